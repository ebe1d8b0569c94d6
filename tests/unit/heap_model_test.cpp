#include <catch2/catch.hpp>

#include "model_test_util.h"

using namespace memtrace;
using format::AllocatorKind;
using test::CaptureBuilder;
using test::statsOf;

namespace {

void defineStacks(format::RecordEncoder& e, uint64_t count)
{
    for (uint64_t id = 1; id <= count; ++id) {
        const uint64_t frames[] = {0x1000 * id, 0x9000};
        e.stack(id, frames, 2);
    }
}

}  // namespace

TEST_CASE("counts, bytes, kinds and leaks are exact")
{
    CaptureBuilder b;
    b.processInfo(100, "/bin/prog", {"prog"});
    auto& e = b.records();
    defineStacks(e, 2);
    e.time(10);
    e.thread(1);
    e.alloc(AllocatorKind::Malloc, 0x1000, 100, 1);
    e.alloc(AllocatorKind::Calloc, 0x2000, 200, 1);
    e.alloc(AllocatorKind::New, 0x3000, 30, 2);
    e.time(20);
    e.free(AllocatorKind::Free, 0x1000);
    e.free(AllocatorKind::Delete, 0x3000);
    e.free(AllocatorKind::Free, 0x9999);  // never allocated here
    e.free(AllocatorKind::Free, 0);       // free(NULL)
    b.end();
    b.endChunk();

    test::LoadedCapture c;
    test::load(b, "counts.mtrace", c);
    REQUIRE(c.result.outcome == reader::StreamResult::Outcome::Complete);
    const auto& heap = c.model.heap();
    CHECK(heap.allocations() == 3);
    CHECK(heap.allocatedBytes() == 330);
    CHECK(heap.frees() == 2);
    CHECK(heap.freedBytes() == 130);
    CHECK(heap.freesUnmatched() == 1);
    CHECK(heap.heapBytes() == 200);
    CHECK(heap.peakBytes() == 330);
    CHECK(heap.peakTimeUs() == 10);
    CHECK(heap.byKind()[static_cast<int>(AllocatorKind::Malloc)].count == 1);
    CHECK(heap.byKind()[static_cast<int>(AllocatorKind::Calloc)].bytes == 200);
    CHECK(heap.byKind()[static_cast<int>(AllocatorKind::Delete)].count == 1);
    CHECK(heap.byKind()[static_cast<int>(AllocatorKind::Delete)].bytes == 30);
    REQUIRE(c.model.leaks().size() == 1);
    CHECK(c.model.leaks()[0].bytes == 200);
    CHECK(c.model.leaks()[0].blocks == 1);
    CHECK(c.model.leaks()[0].kind == AllocatorKind::Calloc);
    CHECK(c.model.durationUs() == 20);
    CHECK(c.model.end().has_value());
    CHECK(statsOf(c.model, 1).allocations == 2);
    CHECK(statsOf(c.model, 1).frees == 1);
    CHECK(statsOf(c.model, 2).liveBytes == 0);
}

TEST_CASE("the peak records what every stack held at that instant, across chunks")
{
    CaptureBuilder b;
    auto& e = b.records();
    defineStacks(e, 3);
    e.time(1);
    e.thread(1);
    e.alloc(AllocatorKind::Malloc, 0xa000, 100, 1);
    e.time(2);
    e.alloc(AllocatorKind::Malloc, 0xb000, 200, 2);  // heap 300: the peak
    b.endChunk();
    e.time(3);
    e.thread(1);
    e.free(AllocatorKind::Free, 0xa000);             // 200; stack 1 changes after the peak
    e.time(4);
    e.alloc(AllocatorKind::Malloc, 0xb100, 50, 2);   // 250
    e.time(5);
    e.alloc(AllocatorKind::Malloc, 0xc000, 40, 3);   // 290 < 300
    b.end();
    b.endChunk();

    test::LoadedCapture c;
    test::load(b, "peak.mtrace", c);
    CHECK(c.model.heap().peakBytes() == 300);
    CHECK(c.model.heap().peakTimeUs() == 2);
    CHECK(statsOf(c.model, 1).peakBytes == 100);
    CHECK(statsOf(c.model, 2).peakBytes == 200);
    CHECK(statsOf(c.model, 3).peakBytes == 0);
    CHECK(statsOf(c.model, 2).liveBytes == 250);
}

TEST_CASE("a later, higher peak replaces the earlier one")
{
    CaptureBuilder b;
    auto& e = b.records();
    defineStacks(e, 3);
    e.time(1);
    e.thread(1);
    e.alloc(AllocatorKind::Malloc, 0xa000, 100, 1);
    e.alloc(AllocatorKind::Malloc, 0xb000, 200, 2);  // 300
    e.time(2);
    e.free(AllocatorKind::Free, 0xa000);
    e.free(AllocatorKind::Free, 0xb000);
    e.time(3);
    e.alloc(AllocatorKind::Malloc, 0xc000, 250, 3);
    e.alloc(AllocatorKind::Malloc, 0xa000, 60, 1);   // 310: new peak
    e.time(4);
    e.free(AllocatorKind::Free, 0xc000);
    e.alloc(AllocatorKind::Malloc, 0xd000, 1, 2);
    b.end();
    b.endChunk();

    test::LoadedCapture c;
    test::load(b, "peak2.mtrace", c);
    CHECK(c.model.heap().peakBytes() == 310);
    CHECK(c.model.heap().peakTimeUs() == 3);
    CHECK(statsOf(c.model, 1).peakBytes == 60);
    CHECK(statsOf(c.model, 2).peakBytes == 0);
    CHECK(statsOf(c.model, 3).peakBytes == 250);
}

TEST_CASE("realloc semantics")
{
    CaptureBuilder b;
    auto& e = b.records();
    defineStacks(e, 2);
    e.time(1);
    e.thread(1);
    e.realloc(AllocatorKind::Realloc, 0, 0x1000, 10, 1);       // realloc(NULL, 10): 1 alloc
    e.realloc(AllocatorKind::Realloc, 0x1000, 0x2000, 30, 1);  // moved: 1 alloc + 1 free
    e.realloc(AllocatorKind::Realloc, 0x2000, 0x2000, 50, 2);  // in place: 1 alloc + 1 free
    e.realloc(AllocatorKind::Realloc, 0x5000, 0x6000, 8, 2);   // old unknown: 1 alloc, unmatched
    e.realloc(AllocatorKind::Realloc, 0x6000, 0, 0, 2);        // realloc(p, 0): release only
    e.realloc(AllocatorKind::Realloc, 0x2000, 0, 4096, 2);     // failed: nothing changes
    b.end();
    b.endChunk();

    test::LoadedCapture c;
    test::load(b, "realloc.mtrace", c);
    const auto& heap = c.model.heap();
    CHECK(heap.allocations() == 4);
    CHECK(heap.allocatedBytes() == 10 + 30 + 50 + 8);
    CHECK(heap.frees() == 3);
    CHECK(heap.freesUnmatched() == 1);
    CHECK(heap.heapBytes() == 50);
    CHECK(heap.peakBytes() == 58);
    CHECK(heap.byKind()[static_cast<int>(AllocatorKind::Realloc)].count == 4);
    REQUIRE(c.model.leaks().size() == 1);
    CHECK(c.model.leaks()[0].bytes == 50);
    CHECK(statsOf(c.model, 2).liveBytes == 50);
    CHECK(statsOf(c.model, 1).liveBytes == 0);
}

TEST_CASE("temporary allocations, cross-thread frees, anomalies")
{
    CaptureBuilder b;
    auto& e = b.records();
    defineStacks(e, 1);
    e.time(1);
    e.thread(1);
    e.alloc(AllocatorKind::Malloc, 0x1000, 8, 1);
    e.free(AllocatorKind::Free, 0x1000);           // temporary
    e.alloc(AllocatorKind::Malloc, 0x1000, 8, 1);
    e.alloc(AllocatorKind::Malloc, 0x2000, 8, 1);
    e.free(AllocatorKind::Free, 0x1000);           // not temporary: T1 allocated 0x2000 since
    e.alloc(AllocatorKind::Malloc, 0x3000, 16, 1);
    e.thread(2);
    e.free(AllocatorKind::Free, 0x3000);           // cross-thread, still temporary (owner T1 idle)
    e.free(AllocatorKind::Free, 0x2000);           // cross-thread, not temporary
    e.alloc(AllocatorKind::Malloc, 0x4000, 5, 1);
    e.alloc(AllocatorKind::Malloc, 0x4000, 7, 1);  // same address while live: anomaly
    // A realloc releases its old block like a free (heaptrack counts realloc chains the same way):
    e.thread(1);
    e.alloc(AllocatorKind::Malloc, 0x5000, 8, 1);
    e.realloc(AllocatorKind::Realloc, 0x5000, 0x6000, 16, 1);  // 0x5000 was T1's latest: temporary
    e.alloc(AllocatorKind::Malloc, 0x7000, 8, 1);
    e.realloc(AllocatorKind::Realloc, 0x6000, 0x8000, 32, 1);  // not: T1 allocated 0x7000 since
    e.free(AllocatorKind::Free, 0x7000);                       // not: the realloc allocated 0x8000
    e.free(AllocatorKind::Free, 0x8000);                       // temporary: still T1's latest
    b.end();
    b.endChunk();

    test::LoadedCapture c;
    test::load(b, "temporary.mtrace", c);
    const auto& heap = c.model.heap();
    CHECK(heap.temporary() == 4);
    CHECK(heap.frees() == 8);
    CHECK(heap.anomalies() == 1);
    CHECK(heap.heapBytes() == 7);
    CHECK(heap.allocations() == 10);
    REQUIRE(c.model.leaks().size() == 1);
    CHECK(c.model.leaks()[0].bytes == 7);
}

TEST_CASE("threads, process info, rss, exit status")
{
    CaptureBuilder b;
    b.processInfo(321, "/usr/bin/prog", {"prog", "x"});
    b.threadStart(0, 321, "prog");
    b.threadStart(1, 322, "worker");
    auto& e = b.records();
    e.time(5);
    b.rss(1000);
    e.time(7);
    b.rss(3000);
    b.threadName(1, "renamed");
    e.time(9);
    b.rss(2000);
    b.threadExit(1);
    b.end();
    b.endChunk();
    b.exitStatus(format::ExitKind::Exited, 3);  // appended by `memtrace run` in its own chunk
    b.endChunk();

    test::LoadedCapture c;
    test::load(b, "process.mtrace", c);
    REQUIRE(c.result.outcome == reader::StreamResult::Outcome::Complete);
    REQUIRE(c.model.process());
    CHECK(c.model.process()->pid == 321);
    CHECK(c.model.process()->argv == std::vector<std::string>{"prog", "x"});
    CHECK(c.model.threads().size() == 2);
    CHECK(c.model.threads().at(1).name == "renamed");
    CHECK(c.model.threads().at(1).renames.size() == 1);
    CHECK(c.model.threads().at(1).exitUs == 9u);
    CHECK(c.model.rssPeakBytes() == 3000);
    CHECK(c.model.rssPeakTimeUs() == 7);
    REQUIRE(c.model.exitStatus());
    CHECK(c.model.exitStatus()->code == 3);
    CHECK(c.model.durationUs() == 9);
}

TEST_CASE("stacks resolve against the module map current when they were defined")
{
    CaptureBuilder b;
    b.moduleMap(1, {{"/bin/prog", 0x400000, "", {{0, 0x1000}}}, {"/lib/liba.so", 0x7000000, "", {{0x100, 0x1000}}}});
    auto& e = b.records();
    const uint64_t first[] = {0x400010, 0x7000200, 0x9999999};
    e.stack(1, first, 3);
    b.moduleMap(2, {{"/bin/prog", 0x400000, "", {{0, 0x1000}}}, {"/lib/libb.so", 0x7000000, "", {{0, 0x2000}}}});
    const uint64_t second[] = {0x7000200};
    e.stack(2, second, 1);
    b.end();
    b.endChunk();

    test::LoadedCapture c;
    test::load(b, "modules.mtrace", c);
    const auto& stacks = c.model.stacks();
    REQUIRE(stacks.size() == 3);
    auto f1 = stacks.frames(reader::StackIndex{1});
    REQUIRE(f1.size() == 3);
    CHECK(stacks.module(f1[0].module).path == "/bin/prog");
    CHECK(f1[0].offset == 0x10);
    CHECK(stacks.module(f1[1].module).path == "/lib/liba.so");
    CHECK(f1[1].offset == 0x200);
    CHECK(f1[2].module.value() == 0);
    auto f2 = stacks.frames(reader::StackIndex{2});
    CHECK(stacks.module(f2[0].module).path == "/lib/libb.so");
    CHECK(stacks.generations().size() == 2);
}

TEST_CASE("stacks that share return addresses share their frames, within one module map")
{
    CaptureBuilder b;
    b.moduleMap(1, {{"/bin/prog", 0x400000, "", {{0, 0x1000}}}});
    auto& e = b.records();
    const uint64_t first[] = {0x400010, 0x400020, 0x400030};
    const uint64_t second[] = {0x400011, 0x400020, 0x400030};  // another call site, same callers
    const uint64_t third[] = {0x400030};
    e.stack(1, first, 3);
    e.stack(2, second, 3);
    e.stack(3, third, 1);
    b.moduleMap(2, {{"/bin/prog", 0x400000, "", {{0, 0x1000}}}});
    e.stack(4, first, 3);  // the same addresses under a new map: resolved again
    b.end();
    b.endChunk();

    test::LoadedCapture c;
    test::load(b, "shared_frames.mtrace", c);
    const auto& stacks = c.model.stacks();
    REQUIRE(stacks.size() == 5);
    CHECK(stacks.distinctFrames() == 4 + 3);
    const auto f1 = stacks.frames(reader::StackIndex{1});
    const auto f2 = stacks.frames(reader::StackIndex{2});
    const auto f3 = stacks.frames(reader::StackIndex{3});
    const auto f4 = stacks.frames(reader::StackIndex{4});
    REQUIRE(f2.size() == 3);
    REQUIRE(f3.size() == 1);
    CHECK(f2[0].offset == 0x11);
    CHECK(&f1[1] == &f2[1]);  // one stored frame
    CHECK(&f1[2] == &f3[0]);
    CHECK(&f1[0] != &f4[0]);
    std::vector<uint64_t> ips;
    for (const reader::Frame& frame : f4) ips.push_back(frame.ip);
    CHECK(ips == std::vector<uint64_t>{0x400010, 0x400020, 0x400030});
}

#include <map>
#include <random>

#include "reader/heap_tracker.h"

TEST_CASE("the lazy peak agrees with a brute-force snapshot on random traffic")
{
    for (uint64_t seed = 1; seed <= 20; ++seed) {
        std::mt19937_64 rng(seed);
        reader::HeapTracker heap;
        std::map<uint64_t, std::pair<uint64_t, uint32_t>> live;  // address -> (size, stack)
        std::vector<uint64_t> perStack(8, 0), atPeak(8, 0);
        uint64_t total = 0, peak = 0, next = 0x1000;
        for (int i = 0; i < 3000; ++i) {
            const int op = static_cast<int>(rng() % 10);
            if (op < 5 || live.empty()) {
                const uint64_t size = 1 + rng() % 1000;
                const uint32_t stack = static_cast<uint32_t>(rng() % 8);
                heap.alloc(AllocatorKind::Malloc, next, size, reader::StackIndex{stack}, reader::ThreadIndex{0}, i);
                live[next] = {size, stack};
                next += 0x10;
                perStack[stack] += size;
                total += size;
            } else if (op < 9) {
                auto it = live.begin();
                std::advance(it, static_cast<long>(rng() % live.size()));
                heap.free(AllocatorKind::Free, it->first);
                perStack[it->second.second] -= it->second.first;
                total -= it->second.first;
                live.erase(it);
            } else {
                auto it = live.begin();
                std::advance(it, static_cast<long>(rng() % live.size()));
                const uint64_t size = 1 + rng() % 2000;
                const uint32_t stack = static_cast<uint32_t>(rng() % 8);
                heap.realloc(AllocatorKind::Realloc, it->first, next, size, reader::StackIndex{stack}, reader::ThreadIndex{0}, i);
                perStack[it->second.second] -= it->second.first;
                total -= it->second.first;
                live.erase(it);
                live[next] = {size, stack};
                next += 0x10;
                perStack[stack] += size;
                total += size;
            }
            if (total > peak) {
                peak = total;
                atPeak = perStack;
            }
        }
        heap.finish();
        INFO("seed " << seed);
        REQUIRE(heap.peakBytes() == peak);
        for (uint32_t s = 0; s < 8; ++s) {
            const uint64_t recorded = s < heap.stacks().size() ? heap.stacks()[s].peakBytes : 0;
            CHECK(recorded == atPeak[s]);
        }
    }
}

TEST_CASE("a stack id used again after its library was unloaded and another loaded there is a new stack")
{
    // The shim keys stacks by return addresses: libB.so, loaded where libA.so was, gives the
    // same frames the same id (examples/dl_reload does this for real). Events before the
    // unload keep libA's stack, events after get the id resolved again, with libB; a stack
    // that never ran through the unloaded module keeps its one index.
    const test::ModuleSpec exe{"/bin/prog", 0, "", {{0x400000, 0x1000}}};
    const test::ModuleSpec libA{"/lib/libA.so", 0x7000000, "", {{0x1000, 0x2000}}};
    const test::ModuleSpec libB{"/lib/libB.so", 0x7000000, "", {{0x1000, 0x2000}}};
    CaptureBuilder b;
    b.processInfo(100, "/bin/prog", {"prog"});
    b.moduleMap(0, {exe, libA});
    auto& e = b.records();
    const uint64_t throughLib[] = {0x7001100, 0x400100};
    const uint64_t exeOnly[] = {0x400200};
    e.stack(1, throughLib, 2);
    e.stack(2, exeOnly, 1);
    e.time(10);
    e.thread(1);
    e.alloc(AllocatorKind::Malloc, 0x1000, 10, 1);
    e.alloc(AllocatorKind::Malloc, 0x2000, 20, 2);
    b.endChunk();
    b.moduleMap(1, {exe});        // dlclose(libA)
    b.moduleMap(2, {exe, libB});  // dlopen(libB) at the same addresses
    e.time(20);
    e.alloc(AllocatorKind::Malloc, 0x3000, 30, 1);
    e.alloc(AllocatorKind::Malloc, 0x4000, 40, 2);
    e.free(AllocatorKind::Free, 0x1000);
    b.end();
    b.endChunk();

    test::LoadedCapture c;
    test::load(b, "reload.mtrace", c);
    REQUIRE(c.result.outcome == reader::StreamResult::Outcome::Complete);
    const auto& stacks = c.model.stacks();
    CHECK(stacks.reresolvedStacks() == 1);
    REQUIRE(stacks.size() == 4);  // index 0, stacks 1 and 2, stack 1 again
    auto moduleOf = [&](uint32_t index) { return stacks.module(stacks.frames(reader::StackIndex{index})[0].module).path; };
    auto statsAt = [&](uint32_t index) { return c.model.heap().stacks().at(index); };
    CHECK(stacks.fileId(reader::StackIndex{1}).value() == 1);
    CHECK(stacks.fileId(reader::StackIndex{3}).value() == 1);
    CHECK(moduleOf(1) == "/lib/libA.so");
    CHECK(moduleOf(3) == "/lib/libB.so");
    CHECK(stacks.frames(reader::StackIndex{3})[0].offset == 0x1100);
    CHECK(stacks.frames(reader::StackIndex{3})[1].offset == 0x400100);
    CHECK(statsAt(1).allocatedBytes == 10);
    CHECK(statsAt(1).frees == 1);  // a free finds its block's stack, whenever it comes
    CHECK(statsAt(3).allocatedBytes == 30);
    CHECK(statsAt(2).allocatedBytes == 60);  // the exe-only stack: one index throughout
    CHECK(c.model.heap().heapBytes() == 90);
}
