#include <catch2/catch.hpp>

#include "model_test_util.h"
#include "reader/mmap_tracker.h"

using namespace memtrace;
using format::AllocatorKind;
using reader::MmapTracker;
using reader::StackIndex;

namespace {
constexpr uint64_t kPage = 4096;
constexpr uint64_t kBase = 0x7f0000000000;
}  // namespace

TEST_CASE("munmap of the middle of a mapping leaves both sides")
{
    MmapTracker t;
    t.map(AllocatorKind::MmapAnonymous, kBase, 10 * kPage, StackIndex{1}, 1);
    t.unmap(kBase + 3 * kPage, 2 * kPage);
    CHECK(t.bytes() == 8 * kPage);
    CHECK(t.mappingCount() == 2);
    t.unmap(kBase, kPage);                 // front
    t.unmap(kBase + 9 * kPage, kPage);     // back
    CHECK(t.bytes() == 6 * kPage);
    t.unmap(kBase + 2 * kPage, 4 * kPage); // spans the hole: removes 1 + 1 pages
    CHECK(t.bytes() == 4 * kPage);
    t.unmap(kBase + 100 * kPage, kPage);
    CHECK(t.munmapsUnmatched() == 1);
    CHECK(t.peakBytes() == 10 * kPage);
    t.unmap(0, ~0ull);                     // everything, without overflow
    CHECK(t.bytes() == 0);
    CHECK(t.mappingCount() == 0);
}

TEST_CASE("munmap across several mappings")
{
    MmapTracker t;
    t.map(AllocatorKind::MmapAnonymous, kBase, 2 * kPage, StackIndex{1}, 1);
    t.map(AllocatorKind::MmapFile, kBase + 4 * kPage, 2 * kPage, StackIndex{2}, 2);
    t.map(AllocatorKind::MmapAnonymous, kBase + 8 * kPage, 2 * kPage, StackIndex{3}, 3);
    CHECK(t.bytes() == 6 * kPage);
    t.unmap(kBase + kPage, 8 * kPage);  // cuts the first and last, removes the middle
    CHECK(t.bytes() == 2 * kPage);
    CHECK(t.mappingCount() == 2);
}

TEST_CASE("MAP_FIXED over an existing mapping replaces it")
{
    MmapTracker t;
    t.map(AllocatorKind::MmapAnonymous, kBase, 4 * kPage, StackIndex{1}, 1);
    t.map(AllocatorKind::MmapFile, kBase + kPage, 2 * kPage, StackIndex{2}, 2);
    CHECK(t.bytes() == 4 * kPage);
    CHECK(t.mappingCount() == 3);
    CHECK(t.peakBytes() == 4 * kPage);
}

TEST_CASE("mremap grows, shrinks and moves exactly")
{
    MmapTracker t;
    t.map(AllocatorKind::MmapAnonymous, kBase, 2 * kPage, StackIndex{1}, 1);
    t.remap(kBase, 2 * kPage, kBase, 5 * kPage, StackIndex{0}, 2);  // grow in place
    CHECK(t.bytes() == 5 * kPage);
    t.remap(kBase, 5 * kPage, kBase, 3 * kPage, StackIndex{0}, 3);  // shrink in place
    CHECK(t.bytes() == 3 * kPage);
    t.remap(kBase, 3 * kPage, kBase + 100 * kPage, 6 * kPage, StackIndex{0}, 4);  // move and grow
    CHECK(t.bytes() == 6 * kPage);
    CHECK(t.mappingCount() == 1);
    CHECK(t.mappings().begin()->first == kBase + 100 * kPage);
    CHECK(t.mappings().begin()->second.stack == 1);  // the original owner keeps it
    CHECK(t.peakBytes() == 6 * kPage);
    CHECK(t.peakTimeUs() == 4);
    // mremap of part of a mapping: the rest stays.
    t.remap(kBase + 100 * kPage, kPage, kBase + 200 * kPage, kPage, StackIndex{0}, 5);
    CHECK(t.bytes() == 6 * kPage);
    CHECK(t.mappingCount() == 2);
    CHECK(t.mremapCalls() == 4);
}

TEST_CASE("mmap events flow through the model")
{
    test::CaptureBuilder b;
    auto& e = b.records();
    const uint64_t frames[] = {0x1234};
    e.stack(1, frames, 1);
    e.time(1);
    e.thread(0);
    e.mmap(AllocatorKind::MmapAnonymous, kBase, 8 * kPage, 3, 0x22, 1);
    e.time(2);
    e.munmap(kBase + 2 * kPage, kPage);
    e.mremap(kBase + 4 * kPage, 4 * kPage, kBase + 64 * kPage, 8 * kPage, 1);
    e.time(3);
    e.alloc(AllocatorKind::Malloc, 0x1000, 10, 1);
    b.end();
    b.endChunk();

    test::LoadedCapture c;
    test::load(b, "mmap.mtrace", c);
    const auto& m = c.model.mmaps();
    CHECK(m.bytes() == (8 - 1 - 4 + 8) * kPage);
    CHECK(m.peakBytes() == 11 * kPage);
    CHECK(c.model.heap().peakBytes() == 10);  // mmap bytes never count as heap
    CHECK(m.byKind()[static_cast<int>(AllocatorKind::MmapAnonymous)].bytes == 8 * kPage);
    CHECK(m.byKind()[static_cast<int>(AllocatorKind::Munmap)].bytes == kPage);
    CHECK(c.model.heap().allocations() == 1);
}
