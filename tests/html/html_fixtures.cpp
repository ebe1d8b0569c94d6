// Synthetic captures for the HTML report tests, written with the real RecordEncoder
// (tests/unit/capture_builder.h):
//   big.mtrace      100,000 distinct stacks (depth 8 over two modules), each allocating twice;
//                   one block freed at once (temporary), the other freed later or leaked
//   hostile.mtrace  a module path made of markup, quotes, an entity and U+2028; threads named
//                   with markup
//   big_head.mtrace with `diff`, instead of hostile.mtrace: big.mtrace's stacks with other
//                   sizes, the head of a diff whose graph must be pruned
// usage: html_fixtures DIR [diff]
#include <cstdio>
#include <string>

#include "capture_builder.h"

using memtrace::format::AllocatorKind;
using memtrace::test::CaptureBuilder;
using memtrace::test::ModuleSpec;

namespace {

void flushIfFull(CaptureBuilder& b)
{
    if (b.records().size() > 1000000) b.endChunk();
}

// sizeSalt 0: big.mtrace; others change every stack's sizes.
void writeBig(const std::string& file, uint64_t sizeSalt)
{
    constexpr uint64_t kStacks = 100000;
    constexpr uint64_t kCore = 0x7f0000000000, kApp = 0x555555554000;
    CaptureBuilder b;
    b.processInfo(4242, "/opt/big/bin/big-service", {"big-service", "--workers=8"});
    b.threadStart(0, 4242, "big-service");
    b.moduleMap(1, {ModuleSpec{"/opt/big/lib/libcore.so", kCore, "", {{0, 0x100000}}},
                    ModuleSpec{"/opt/big/bin/big-service", kApp, "", {{0, 0x100000}}}});
    auto& e = b.records();
    for (uint64_t id = 1; id <= kStacks; ++id) {
        // Innermost first: five levels chosen by the decimal digits of id, then three shared.
        uint64_t frames[8];
        uint64_t rest = id;
        for (int level = 0; level < 5; ++level) {
            frames[level] = (level < 2 ? kCore : kApp) + 0x1000 * (level + 1) + 0x10 * (rest % 10) + 1;
            rest /= 10;
        }
        frames[5] = kApp + 0x9001 + 0x10 * (id % 3);
        frames[6] = kApp + 0xa001;
        frames[7] = kApp + 0xb001;
        e.stack(id, frames, 8);
        flushIfFull(b);
    }
    b.endChunk();
    uint64_t t = 0;
    e.thread(0);
    for (uint64_t id = 1; id <= kStacks; ++id) {
        t += 10;
        e.time(t);
        e.thread(0);
        const uint64_t kept = 0x100000000 + id * 0x1000, temp = kept + 0x800;
        e.alloc(AllocatorKind::Malloc, kept, 16 + (id + sizeSalt * (id % 7)) % 1000, id);
        e.alloc(AllocatorKind::Malloc, temp, 32, id);
        e.free(AllocatorKind::Free, temp);
        if (id % 1000 == 0) b.rss(64 * 1024 * 1024 + id * 512);
        flushIfFull(b);
    }
    for (uint64_t id = 1; id <= kStacks; ++id) {
        if (id % 3 == 0) continue;  // a third leak
        if (id % 100 == 0) t += 1000;
        e.time(t);
        e.thread(0);
        e.free(AllocatorKind::Free, 0x100000000 + id * 0x1000);
        flushIfFull(b);
    }
    b.end();
    b.endChunk();
    std::FILE* f = std::fopen(file.c_str(), "wb");
    std::fwrite(b.bytes().data(), 1, b.bytes().size(), f);
    std::fclose(f);
}

void writeHostile(const std::string& dir)
{
    const std::string path = "/tmp/\"quoted\" </script><img src=x onerror=alert(2)> \xe2\x80\xa8 &amp; lib.so";
    CaptureBuilder b;
    b.processInfo(7, "/bin/<b>bold</b>&\"prog\"", {"<b>bold</b>", "--name='x'"});
    b.threadStart(0, 7, "<i>main</i>");
    b.moduleMap(1, {ModuleSpec{path, 0x10000000, "", {{0, 0x10000}}}});
    auto& e = b.records();
    const uint64_t frames[] = {0x10000101, 0x10000201};
    e.stack(1, frames, 2);
    e.time(100);
    e.thread(0);
    e.alloc(AllocatorKind::Malloc, 0x5000, 777, 1);
    e.alloc(AllocatorKind::Malloc, 0x6000, 100, 1);
    e.time(200);
    e.free(AllocatorKind::Free, 0x6000);
    b.threadStart(1, 8, "<b>w</b><img src=x onerror=alert(3)>");
    e.time(300);
    e.thread(1);
    e.alloc(AllocatorKind::Malloc, 0x7000, 50, 1);
    b.end();
    b.endChunk();
    std::FILE* f = std::fopen((dir + "/hostile.mtrace").c_str(), "wb");
    std::fwrite(b.bytes().data(), 1, b.bytes().size(), f);
    std::fclose(f);
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR [diff]\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    writeBig(dir + "/big.mtrace", 0);
    if (argc > 2 && std::string(argv[2]) == "diff") writeBig(dir + "/big_head.mtrace", 5);
    else writeHostile(dir);
    return 0;
}
