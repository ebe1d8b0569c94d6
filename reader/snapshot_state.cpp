#include "snapshot_state.h"

#include "snapshot_record.h"

namespace memtrace::reader {

bool SnapshotState::apply(const Record& r, HeapTracker& heap, StackTable& stacks)
{
    SnapshotCursor cursor(r.body);
    SnapshotTotals totals;
    if (!cursor.totals(totals)) return false;  // validated by the decoder; defensive
    SnapshotEntry entry;
    while (cursor.next(entry)) heap.applySnapshotEntry(entry, stacks.lookupCumulative(StackId{entry.stack}), r.timeUs);
    heap.applySnapshotTotals(totals, r.timeUs);
    if (!totals.lastPart) return false;
    if (m_snapshots++ == 0) m_firstUs = r.timeUs;
    m_lastUs = r.timeUs;
    return true;
}

}  // namespace memtrace::reader
