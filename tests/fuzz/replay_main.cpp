// Replays files through the fuzz target without libFuzzer (any compiler): every file given,
// and every file in every directory given. Used by the fuzz.replay test on the seeds and on
// the crashers kept in regressions/. Exits 1 if a path cannot be read.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

static bool replay(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    return true;
}

int main(int argc, char** argv)
{
    int files = 0;
    for (int i = 1; i < argc; ++i) {
        std::vector<fs::path> inputs;
        if (fs::is_directory(argv[i])) {
            for (const auto& entry : fs::directory_iterator(argv[i]))
                if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') inputs.push_back(entry.path());
        } else {
            inputs.push_back(argv[i]);
        }
        for (const auto& input : inputs) {
            if (!replay(input)) {
                std::fprintf(stderr, "fuzz replay: cannot read %s\n", input.c_str());
                return 1;
            }
            ++files;
        }
    }
    std::printf("fuzz replay: %d inputs, no crash\n", files);
    return 0;
}
