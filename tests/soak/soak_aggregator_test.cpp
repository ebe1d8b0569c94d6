// The shim's SoakAggregator (compiled into this test) against the reader's HeapTracker: the
// same random event stream - heavy address reuse, unmatched frees, anomalies, every realloc
// form, thousands of stacks so snapshots split into parts - fed to both; the snapshots the
// aggregator encodes, decoded and applied to a second HeapTracker, must give exactly the
// event-fed tracker's totals and per-stack values. Also decodes FORMAT.md's worked example.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <set>
#include <vector>

#include "memtrace/record_encoder.h"
#include "reader/heap_tracker.h"
#include "reader/record_decoder.h"
#include "reader/snapshot_record.h"
#include "soak_aggregator.h"

namespace {

using memtrace::format::AllocatorKind;
using memtrace::reader::HeapTracker;
using memtrace::reader::StackIndex;
using memtrace::reader::ThreadIndex;
using memtrace::shim::EventType;
using memtrace::shim::RawEvent;

struct Pair {
    memtrace::shim::SoakAggregator aggregator;
    HeapTracker events;     // fed every event
    HeapTracker snapshots;  // fed only the decoded snapshots
    std::vector<uint8_t> buffer = std::vector<uint8_t>(4u << 20);
    uint64_t parts = 0;

    void feed(const RawEvent& e)
    {
        REQUIRE(aggregator.take(e));
        const auto stack = StackIndex{e.stack};
        const auto thread = ThreadIndex{e.thread};
        switch (e.type) {
        case EventType::Alloc: events.alloc(e.kind, e.addr, e.size, stack, thread, 0); break;
        case EventType::Free: events.free(e.kind, e.addr); break;
        case EventType::Realloc: events.realloc(e.kind, e.oldAddr, e.addr, e.size, stack, thread, 0); break;
        default: break;
        }
    }

    // Encodes a snapshot as the writer does, decodes it record by record into `snapshots`.
    void snapshot(uint64_t timeUs)
    {
        memtrace::format::RecordEncoder enc(buffer.data(), buffer.size());
        aggregator.beginSnapshot();
        while (!aggregator.snapshotDone()) {
            REQUIRE(enc.fits(aggregator.partBound()));
            enc.time(timeUs);
            aggregator.encodePart(enc);
        }
        memtrace::reader::RecordDecoder decoder;
        decoder.reset(enc.payload());
        memtrace::reader::Record r;
        memtrace::reader::RecordDecoder::Step step;
        while ((step = decoder.next(r)) == memtrace::reader::RecordDecoder::Step::Record) {
            if (r.type != memtrace::format::RecordType::Snapshot) continue;
            ++parts;
            memtrace::reader::SnapshotCursor cursor(r.body);
            memtrace::reader::SnapshotTotals totals;
            REQUIRE(cursor.totals(totals));
            memtrace::reader::SnapshotEntry entry;
            while (cursor.next(entry)) snapshots.applySnapshotEntry(entry, StackIndex{static_cast<uint32_t>(entry.stack)}, r.timeUs);
            REQUIRE_FALSE(cursor.failed());
            snapshots.applySnapshotTotals(totals, r.timeUs);
        }
        INFO(decoder.error());
        REQUIRE(step == memtrace::reader::RecordDecoder::Step::End);
    }

    void compare() const
    {
        CHECK(snapshots.heapBytes() == events.heapBytes());
        CHECK(snapshots.allocations() == events.allocations());
        CHECK(snapshots.allocatedBytes() == events.allocatedBytes());
        CHECK(snapshots.frees() == events.frees());
        CHECK(snapshots.freedBytes() == events.freedBytes());
        CHECK(snapshots.freesUnmatched() == events.freesUnmatched());
        CHECK(snapshots.anomalies() == events.anomalies());
        CHECK(snapshots.temporary() == events.temporary());
        CHECK(snapshots.peakBytes() == events.peakBytes());
        for (size_t k = 0; k < 256; ++k) {
            INFO("kind " << k);
            CHECK(snapshots.byKind()[k].count == events.byKind()[k].count);
            CHECK(snapshots.byKind()[k].bytes == events.byKind()[k].bytes);
        }
        const auto& a = snapshots.stacks();
        const auto& b = events.stacks();
        for (size_t s = 0; s < b.size(); ++s) {
            if (b[s].allocations == 0) continue;
            INFO("stack " << s);
            REQUIRE(s < a.size());
            CHECK(a[s].liveBytes == b[s].liveBytes);
            CHECK(a[s].liveBlocks == b[s].liveBlocks);
            CHECK(a[s].allocations == b[s].allocations);
            CHECK(a[s].allocatedBytes == b[s].allocatedBytes);
            CHECK(a[s].frees == b[s].frees);
            CHECK(a[s].temporary == b[s].temporary);
            CHECK(a[s].kind == b[s].kind);
        }
    }
};

RawEvent event(EventType type, AllocatorKind kind, uint64_t addr, uint64_t size, uint32_t stack, uint32_t thread,
               uint64_t oldAddr = 0)
{
    RawEvent e{};
    e.type = type;
    e.kind = kind;
    e.addr = addr;
    e.size = size;
    e.stack = stack;
    e.thread = thread;
    e.oldAddr = oldAddr;
    return e;
}

}  // namespace

TEST_CASE("soak aggregator snapshots equal the reader's accounting of the same events")
{
    auto pair = std::make_unique<Pair>();
    REQUIRE(pair->aggregator.init());
    std::mt19937_64 rng(12345);
    std::vector<uint64_t> live;  // the "program's" view of its live addresses
    std::set<uint64_t> liveSet;
    // Few distinct addresses (16-byte granules in 400 KiB): constant reuse and long probe runs;
    // more live blocks than the map's first 65536 slots hold, so it grows too.
    auto freshAddress = [&] {
        for (;;) {
            const uint64_t a = 0x10000 + 16 * (rng() % 150000);
            if (!liveSet.count(a)) return a;
        }
    };
    auto takeLive = [&](size_t i) {
        const uint64_t a = live[i];
        live[i] = live.back();
        live.pop_back();
        liveSet.erase(a);
        return a;
    };
    auto addLive = [&](uint64_t a) {
        live.push_back(a);
        liveSet.insert(a);
    };
    uint64_t t = 0;
    for (int round = 0; round < 12; ++round) {
        // Later rounds use many stacks at once, so a snapshot has more than one part.
        const uint32_t stacks = round < 6 ? 40 : 6000;
        for (int i = 0; i < 60000; ++i) {
            const uint32_t stack = 1 + static_cast<uint32_t>(rng() % stacks);
            const uint32_t thread = 1 + static_cast<uint32_t>(rng() % 4);
            const uint64_t size = 1 + rng() % 300;
            const unsigned op = rng() % 100;
            if (op < 45 || live.empty()) {
                const uint64_t a = freshAddress();
                pair->feed(event(EventType::Alloc, op % 2 ? AllocatorKind::Malloc : AllocatorKind::New, a, size, stack, thread));
                addLive(a);
            } else if (op < 80) {
                const uint64_t a = takeLive(rng() % live.size());
                pair->feed(event(EventType::Free, op % 2 ? AllocatorKind::Free : AllocatorKind::Delete, a, 0, 0, thread));
            } else if (op < 83) {
                pair->feed(event(EventType::Free, AllocatorKind::Free, freshAddress(), 0, 0, thread));  // unmatched
            } else if (op < 85) {
                pair->feed(event(EventType::Alloc, AllocatorKind::Malloc, live[rng() % live.size()], size, stack, thread));  // anomaly
            } else if (op < 93) {  // moving or in-place resize
                const uint64_t old = takeLive(rng() % live.size());
                const uint64_t fresh = op % 2 ? old : freshAddress();
                pair->feed(event(EventType::Realloc, AllocatorKind::Realloc, fresh, size, stack, thread, old));
                addLive(fresh);
            } else if (op < 95) {  // realloc(NULL, n)
                const uint64_t fresh = freshAddress();
                pair->feed(event(EventType::Realloc, AllocatorKind::Realloc, fresh, size, stack, thread, 0));
                addLive(fresh);
            } else if (op < 97) {  // realloc(p, 0): release only
                const uint64_t old = takeLive(rng() % live.size());
                pair->feed(event(EventType::Realloc, AllocatorKind::Realloc, 0, 0, stack, thread, old));
            } else {  // failed resize: nothing changes
                pair->feed(event(EventType::Realloc, AllocatorKind::Realloc, 0, size, stack, thread, live[rng() % live.size()]));
            }
            // Drain everything at times (the live map must shrink back to empty runs).
            if (round == 5 && i == 59999)
                while (!live.empty()) pair->feed(event(EventType::Free, AllocatorKind::Free, takeLive(live.size() - 1), 0, 0, 1));
        }
        pair->snapshot(t += 1000);
        INFO("round " << round);
        pair->compare();
    }
    CHECK_FALSE(pair->aggregator.failed());
    CHECK(pair->parts > 12);  // the 6000-stack rounds were split
}

TEST_CASE("FORMAT.md's worked Snapshot example decodes as documented")
{
    const std::vector<uint8_t> payload = {
        0x4a, 0xa4, 0x80, 0x80, 0x00,                                 // type, length 36
        0x01, 0x01, 0xc0, 0x01, 0x02, 0xe0, 0x01, 0x05, 0xe0, 0x03,  // seq, flags, heap, blocks, peak, allocs, bytes
        0x03, 0xa0, 0x02, 0x00, 0x00, 0x01,                           // frees, freed, unmatched, anomalies, temporary
        0x02, 0x00, 0x05, 0xe0, 0x03, 0x20, 0x03, 0xa0, 0x02,         // kinds
        0x01, 0x03, 0x00, 0xc0, 0x01, 0x02, 0x05, 0xe0, 0x03, 0x03, 0x01};
    memtrace::reader::RecordDecoder decoder;
    decoder.reset({payload.data(), payload.size()}, 0, memtrace::format::PayloadLayout::OneStream);  // one record, one stream
    memtrace::reader::Record r;
    REQUIRE(decoder.next(r) == memtrace::reader::RecordDecoder::Step::Record);
    REQUIRE(r.type == memtrace::format::RecordType::Snapshot);
    memtrace::reader::SnapshotCursor cursor(r.body);
    memtrace::reader::SnapshotTotals t;
    REQUIRE(cursor.totals(t));
    CHECK(t.sequence == 1);
    CHECK(t.lastPart);
    CHECK(t.heapBytes == 192);
    CHECK(t.heapBlocks == 2);
    CHECK(t.peakBytes == 224);
    CHECK(t.allocations == 5);
    CHECK(t.allocatedBytes == 480);
    CHECK(t.frees == 3);
    CHECK(t.freedBytes == 288);
    CHECK(t.temporary == 1);
    CHECK(t.byKind[0].count == 5);
    CHECK(t.byKind[32].bytes == 288);
    memtrace::reader::SnapshotEntry e;
    REQUIRE(cursor.next(e));
    CHECK(e.stack == 3);
    CHECK(e.liveBytes == 192);
    CHECK(e.liveBlocks == 2);
    CHECK(e.allocations == 5);
    CHECK(e.allocatedBytes == 480);
    CHECK(e.frees == 3);
    CHECK(e.temporary == 1);
    CHECK_FALSE(cursor.next(e));
    CHECK(decoder.next(r) == memtrace::reader::RecordDecoder::Step::End);

    // Cut one byte off the payload (length fixed up): the decoder reports a malformed record.
    std::vector<uint8_t> cut(payload.begin(), payload.end() - 1);
    cut[1] = 0xa3;
    decoder.reset({cut.data(), cut.size()}, 0, memtrace::format::PayloadLayout::OneStream);
    CHECK(decoder.next(r) == memtrace::reader::RecordDecoder::Step::Error);
}
