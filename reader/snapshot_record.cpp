#include "snapshot_record.h"

namespace memtrace::reader {

bool SnapshotCursor::totals(SnapshotTotals& t)
{
    uint8_t flags = 0;
    uint64_t kinds = 0;
    bool ok = m_in.varint(t.sequence) && m_in.byte(flags) && m_in.varint(t.heapBytes) && m_in.varint(t.heapBlocks) &&
              m_in.varint(t.peakBytes) && m_in.varint(t.allocations) && m_in.varint(t.allocatedBytes) &&
              m_in.varint(t.frees) && m_in.varint(t.freedBytes) && m_in.varint(t.freesUnmatched) &&
              m_in.varint(t.anomalies) && m_in.varint(t.temporary) && m_in.varint(kinds) && kinds <= 256;
    t.lastPart = flags & 1;
    t.byKind = {};
    for (uint64_t i = 0; ok && i < kinds; ++i) {
        uint8_t kind = 0;
        KindTotals k;
        ok = m_in.byte(kind) && m_in.varint(k.count) && m_in.varint(k.bytes);
        if (ok) t.byKind[kind] = k;
    }
    // Each entry takes at least 8 bytes: a count beyond that is corrupt.
    ok = ok && m_in.varint(m_entries) && m_entries <= m_in.left() / 8;
    m_failed = !ok;
    return ok;
}

bool SnapshotCursor::next(SnapshotEntry& e)
{
    if (m_failed || m_read == m_entries) return false;
    const bool ok = m_in.varint(e.stack) && e.stack <= 0xffffffffu && m_in.byte(e.kind) && m_in.varint(e.liveBytes) &&
                    m_in.varint(e.liveBlocks) && m_in.varint(e.allocations) && m_in.varint(e.allocatedBytes) &&
                    m_in.varint(e.frees) && m_in.varint(e.temporary);
    if (!ok) {
        m_failed = true;
        return false;
    }
    ++m_read;
    return true;
}

bool validSnapshot(std::span<const uint8_t> body)
{
    SnapshotCursor cursor(body);
    SnapshotTotals totals;
    if (!cursor.totals(totals)) return false;
    SnapshotEntry entry;
    uint64_t seen = 0;
    while (cursor.next(entry)) ++seen;
    return !cursor.failed() && seen == cursor.entries();
}

}  // namespace memtrace::reader
