// The payload of a Snapshot record (soak captures; docs/FORMAT.md "Snapshot"), read field by
// field from a Record's body. RecordDecoder validates the whole payload once, so consumers
// walk it without error handling:
//
//   SnapshotCursor cursor(record.body);
//   SnapshotTotals totals;
//   cursor.totals(totals);             // the process-wide part
//   SnapshotEntry e;
//   while (cursor.next(e)) { ... }     // stacks changed since the previous snapshot
#pragma once

#include <cstdint>
#include <span>

#include "byte_cursor.h"
#include "kind_totals.h"

namespace memtrace::reader {

// Cumulative since the capture started (every field is the value at the snapshot's time).
struct SnapshotTotals {
    uint64_t sequence = 0;    // snapshot number; all parts of one snapshot share it
    bool lastPart = false;    // the snapshot is complete after this record
    uint64_t heapBytes = 0;
    uint64_t heapBlocks = 0;
    uint64_t peakBytes = 0;   // exact running maximum of heapBytes (the shim sees every event)
    uint64_t allocations = 0;
    uint64_t allocatedBytes = 0;
    uint64_t frees = 0;
    uint64_t freedBytes = 0;
    uint64_t freesUnmatched = 0;
    uint64_t anomalies = 0;
    uint64_t temporary = 0;
    KindTable byKind{};
};

struct SnapshotEntry {
    uint64_t stack = 0;  // StackId
    uint8_t kind = 0;    // of the stack's first allocation
    uint64_t liveBytes = 0;
    uint64_t liveBlocks = 0;
    uint64_t allocations = 0;
    uint64_t allocatedBytes = 0;
    uint64_t frees = 0;
    uint64_t temporary = 0;
};

class SnapshotCursor {
public:
    explicit SnapshotCursor(std::span<const uint8_t> body) : m_in{body.data(), body.data() + body.size()} {}

    // Reads the totals and the entry count; false if malformed.
    bool totals(SnapshotTotals& out);
    // The next entry; false at the end or on a malformed entry (see failed()).
    bool next(SnapshotEntry& out);
    bool failed() const { return m_failed; }
    uint64_t entries() const { return m_entries; }

private:
    ByteCursor m_in;
    uint64_t m_entries = 0;
    uint64_t m_read = 0;
    bool m_failed = false;
};

// Walks the whole payload: true if it is well formed (RecordDecoder's check).
bool validSnapshot(std::span<const uint8_t> body);

}  // namespace memtrace::reader
