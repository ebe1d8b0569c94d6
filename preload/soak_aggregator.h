// Soak mode (docs/SOAK.md): instead of encoding every drained event, the writer folds it into
// per-stack totals here and writes them as Snapshot records (docs/FORMAT.md) every interval.
// The capture then grows with stacks x snapshots, not with events.
//
// State, all in raw anonymous mappings (never the program's allocator):
//   live map     address -> (size, stack, thread) of every live heap block, open addressing
//                with linear probing and backward-shift deletion (no tombstones, so a
//                hours-long run with churn never degrades)
//   stacks       per stack id: live bytes/blocks, allocations, allocated bytes, frees,
//                temporary, first kind, and a "changed since the last snapshot" flag
//   changed      the ids flagged, so a snapshot costs O(changed stacks), not O(stacks)
//   last alloc   per thread index: address (+1) of its last allocation (temporary rule)
//
// The counting rules are HeapTracker's (reader/heap_tracker.h), so a soak capture's totals
// equal a full capture's for the same run. mmap-family events are not aggregated.
//
// Writer thread only, drain lock held: no allocation, no lock, no libstdc++.
#pragma once

#include <cstddef>
#include <cstdint>

#include "memtrace/format.h"
#include "memtrace/record_encoder.h"
#include "raw_event.h"

namespace memtrace::shim {

// A growable array of trivially copyable T in an anonymous mapping (zero-filled).
template <typename T>
struct RawArray {
    T* data = nullptr;
    size_t capacity = 0;

    bool reserve(size_t count);  // grows to at least count elements; false if mmap failed
    void release();
};

struct SoakStackTotals {
    uint64_t liveBytes;
    uint64_t liveBlocks;
    uint64_t allocations;
    uint64_t allocatedBytes;
    uint64_t frees;
    uint64_t temporary;
    format::AllocatorKind kind;  // of the first allocation
    bool seen;
    bool changed;
};

struct SoakLiveBlock {
    uint64_t address;  // 0 = empty slot
    uint64_t size;
    uint32_t stack;
    uint32_t thread;
};

class SoakAggregator {
public:
    // Maps the initial tables. false: no memory (the caller stops tracking).
    bool init();
    // A new capture (a followed fork child): forget everything.
    void reset();

    // Folds a heap event in. Returns false for events it does not aggregate (thread events,
    // which the writer encodes as usual). Sets failed() when a table cannot grow.
    bool take(const RawEvent& ev);
    bool failed() const { return m_failed; }

    // A snapshot is written as one or more Snapshot records ("parts"): call beginSnapshot(),
    // then, until snapshotDone(), make room for partBound() bytes and encodePart().
    void beginSnapshot() { m_cursor = 0; m_started = false; }
    bool snapshotDone() const { return m_started && m_cursor >= m_changedCount; }
    size_t partBound() const;
    void encodePart(format::RecordEncoder& enc);

private:
    SoakStackTotals* stackTotals(uint32_t stack);
    void markChanged(uint32_t stack, SoakStackTotals& s);
    void add(format::AllocatorKind kind, uint64_t address, uint64_t size, uint32_t stack, uint32_t thread);
    bool release(uint64_t address, SoakLiveBlock& out);
    void releaseCounted(format::AllocatorKind kind, uint64_t address, bool countKind);
    uint64_t* lastAllocSlot(uint32_t thread);
    bool growLive();

    RawArray<SoakLiveBlock> m_live;
    size_t m_liveCount = 0;
    RawArray<SoakStackTotals> m_stacks;
    RawArray<uint32_t> m_changed;
    size_t m_changedCount = 0;
    RawArray<uint64_t> m_lastAlloc;
    struct KindTotals {
        uint64_t count;
        uint64_t bytes;
    } m_kinds[static_cast<size_t>(format::AllocatorKind::Count)] = {};

    uint64_t m_heapBytes = 0;
    uint64_t m_heapBlocks = 0;
    uint64_t m_peakBytes = 0;
    uint64_t m_allocations = 0;
    uint64_t m_allocatedBytes = 0;
    uint64_t m_frees = 0;
    uint64_t m_freedBytes = 0;
    uint64_t m_freesUnmatched = 0;
    uint64_t m_anomalies = 0;
    uint64_t m_temporary = 0;
    uint64_t m_sequence = 0;  // snapshots written
    size_t m_cursor = 0;      // next changed-list index to encode
    bool m_started = false;
    bool m_failed = false;
};

}  // namespace memtrace::shim
