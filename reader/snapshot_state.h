// How CaptureModel reads a soak capture (docs/SOAK.md): each Snapshot part sets the heap
// tracker's per-stack values and totals (they are cumulative, so nothing is summed and a lost
// part costs nothing but resolution); each complete snapshot is one timeline point.
// What a soak capture cannot answer (block addresses, ages, the event order) stays empty:
// HeapTracker::liveBlocks() has no entries, leaks come per stack (CaptureModel::leaks()).
#pragma once

#include <cstdint>

#include "heap_tracker.h"
#include "record.h"
#include "stack_table.h"

namespace memtrace::reader {

class SnapshotState {
public:
    // Applies one Snapshot record. Returns true when it completed a snapshot.
    bool apply(const Record& record, HeapTracker& heap, StackTable& stacks);

    uint64_t snapshots() const { return m_snapshots; }  // complete ones
    uint64_t firstUs() const { return m_firstUs; }
    uint64_t lastUs() const { return m_lastUs; }
    // Mean time between snapshots (0 with fewer than two).
    uint64_t intervalUs() const { return m_snapshots > 1 ? (m_lastUs - m_firstUs) / (m_snapshots - 1) : 0; }

private:
    uint64_t m_snapshots = 0;
    uint64_t m_firstUs = 0;
    uint64_t m_lastUs = 0;
};

}  // namespace memtrace::reader
