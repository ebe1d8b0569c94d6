// memtrace_test_captures DIR [EVENTS]: writes synthetic captures for the CLI tests
// (cli_test.sh) and for timing the reader on a large capture:
//   ok.mtrace        a small complete capture with known numbers (see cli_test.sh)
//   truncated.mtrace ok.mtrace cut inside its last chunk
//   corrupt.mtrace   ok.mtrace with a byte of its second chunk flipped
//   future.mtrace    format version 9
//   empty.mtrace     zero bytes
//   large.mtrace     EVENTS alloc/free pairs over 1000 stacks (default 0: not written)
#include <cstdio>
#include <cstdlib>
#include <string>

#include "capture_builder.h"

using namespace memtrace;
using format::AllocatorKind;
using test::CaptureBuilder;

namespace {

void writeFile(const std::string& path, const std::vector<uint8_t>& bytes, size_t size)
{
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) {
        std::perror(path.c_str());
        std::exit(1);
    }
    std::fwrite(bytes.data(), 1, size, f);
    std::fclose(f);
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR [EVENTS]\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    const uint64_t events = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 0;

    {
        CaptureBuilder b;
        b.processInfo(77, "/usr/bin/fixture", {"fixture", "arg"});
        b.threadStart(0, 77, "fixture");
        auto& e = b.records();
        const uint64_t frames[] = {0x401000, 0x402000};
        e.stack(1, frames, 2);
        e.time(1000);
        e.thread(0);
        e.alloc(AllocatorKind::Malloc, 0x10000, 1572864, 1);
        e.alloc(AllocatorKind::Malloc, 0x20000, 100, 1);
        b.endChunk();
        e.time(2000);
        e.thread(0);
        e.free(AllocatorKind::Free, 0x10000);
        e.alloc(AllocatorKind::New, 0x30000, 24, 1);
        b.end();
        const uint64_t last = b.endChunk();
        b.exitStatus(format::ExitKind::Exited, 3);
        b.endChunk();
        auto& bytes = b.bytes();
        writeFile(dir + "/ok.mtrace", bytes, bytes.size());
        writeFile(dir + "/truncated.mtrace", bytes, last + 20);
        auto corrupt = bytes;
        corrupt[last + 16 + 8] ^= 0xff;
        writeFile(dir + "/corrupt.mtrace", corrupt, corrupt.size());
    }
    {
        CaptureBuilder b(9);
        b.endChunk();
        writeFile(dir + "/future.mtrace", b.bytes(), b.bytes().size());
        writeFile(dir + "/empty.mtrace", b.bytes(), 0);
    }
    if (events > 0) {
        CaptureBuilder b;
        auto& e = b.records();
        for (uint64_t id = 1; id <= 1000; ++id) {
            const uint64_t frames[] = {0x400000 + id * 16, 0x400000, 0x7f0000000000};
            e.stack(id, frames, 3);
        }
        uint64_t t = 0;
        for (uint64_t i = 0; i < events; ++i) {
            if (!e.fits(256 * 1024) || e.size() > 1000000) {
                b.endChunk();
            }
            e.time(++t);
            e.thread(static_cast<uint32_t>(i % 4));
            const uint64_t address = 0x555555550000 + (i % 50000) * 64;
            e.alloc(AllocatorKind::Malloc, address, 16 + i % 512, 1 + i % 1000);
            if (i >= 49999) e.free(AllocatorKind::Free, 0x555555550000 + ((i + 1) % 50000) * 64);
        }
        b.end();
        b.endChunk();
        writeFile(dir + "/large.mtrace", b.bytes(), b.bytes().size());
    }
    return 0;
}
