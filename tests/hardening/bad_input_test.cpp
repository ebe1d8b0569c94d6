// Every reading command on files that are not captures (or cannot be read): one error line
// starting with "memtrace", nothing on stdout, exit status 2. Never a crash.
// (Cut and corrupt captures read up to the damage: tests/integration/capture_file_test.cpp,
// tests/fuzz/capture_damage_test.cpp.)
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

using namespace memtrace::integration;

namespace {

// Each reading command, with FILE where the capture goes and OUT where an output file goes.
const std::vector<std::vector<std::string>> kCommands = {
    {"summary", "FILE"},
    {"summary", "--json", "FILE"},
    {"dump", "FILE"},
    {"leaks", "FILE"},
    {"leaks", "--format", "json", "FILE"},
    {"report", "-o", "OUT", "FILE"},
    {"flamegraph", "--folded", "FILE"},
    {"diff", "FILE", "FILE"},
    {"diff", "--format", "markdown", "FILE", "FILE"},
    {"export", "--format", "pprof", "-o", "OUT", "FILE"},
    {"growth", "FILE"},
};

ProcessResult runOn(const std::vector<std::string>& command, const std::string& file, const std::string& out,
                    const std::vector<std::string>& prefix = {})
{
    std::vector<std::string> argv = prefix;
    argv.push_back(memtraceBinary());
    for (const std::string& arg : command) argv.push_back(arg == "FILE" ? file : arg == "OUT" ? out : arg);
    return runCommand(argv);
}

std::string joined(const std::vector<std::string>& words)
{
    std::string text;
    for (const auto& word : words) text += word + " ";
    return text;
}

void expectOneLineError(const ProcessResult& result)
{
    INFO(result.describe());
    CHECK(result.status == 2);
    CHECK(result.out.empty());
    CHECK(lineCount(result.err) == 1);
    CHECK(result.err.rfind("memtrace", 0) == 0);
}

}  // namespace

TEST_CASE("wrong file type, empty, short, directory, missing, future version: one line, exit 2, every command",
          "[hardening][input]")
{
    TempDir dir;
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "exit_code", {"0"});
    const std::string whole = readFile(run.capture);
    const std::string elf = readFile(examplePath("empty"));
    const std::vector<std::pair<std::string, std::string>> files = {
        {"elf", elf},
        {"text", "this is not a capture\n"},
        {"empty", ""},
        {"short", whole.substr(0, 10)},
        {"zstd-only", whole.substr(16)},  // chunks without the file header
        {"future", whole.substr(0, 8) + std::string("\x07\x01", 2) + whole.substr(10)},
    };
    for (const auto& [name, content] : files) writeFile(dir.file(name + ".bad"), content);
    fs::create_directory(dir.file("a-directory"));

    std::vector<std::string> inputs;
    for (const auto& entry : files) inputs.push_back(dir.file(entry.first + ".bad"));
    inputs.push_back(dir.file("a-directory"));
    inputs.push_back(dir.file("missing.mtrace"));
    for (const auto& command : kCommands) {
        for (const auto& input : inputs) {
            DYNAMIC_SECTION(joined(command) << "on " << fs::path(input).filename().string())
            {
                const ProcessResult result = runOn(command, input, dir.file("out.file"));
                expectOneLineError(result);
                if (input.find("future") != std::string::npos)
                    CHECK(result.err.find("capture format version 263 is newer than this memtrace") != std::string::npos);
                if (input.find("a-directory") != std::string::npos) CHECK(result.err.find("is a directory") != std::string::npos);
            }
        }
    }
}

TEST_CASE("an unreadable capture: one line, exit 2 (as root, checked with the reader run as nobody)",
          "[hardening][input]")
{
    TempDir dir;
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "exit_code", {"0"});
    REQUIRE(chmod(run.capture.c_str(), 0) == 0);
    std::vector<std::string> prefix;
    if (geteuid() == 0) {
        // Root reads a mode-000 file anyway (CAP_DAC_OVERRIDE): drop to nobody for the reader.
        REQUIRE(chmod(dir.path().c_str(), 0755) == 0);
        prefix = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
        const ProcessResult probe = runCommand({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", "/usr/bin/true"});
        INFO("setpriv (util-linux) is needed to test an unreadable file as root: " << probe.describe());
        REQUIRE(probe.status == 0);
    }
    for (const auto& command : kCommands) {
        DYNAMIC_SECTION(joined(command))
        {
            const ProcessResult result = runOn(command, run.capture, "/dev/null", prefix);
            expectOneLineError(result);
            CHECK(result.err.find("Permission denied") != std::string::npos);
        }
    }
}
