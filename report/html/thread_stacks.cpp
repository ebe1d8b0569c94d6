#include "thread_stacks.h"

namespace memtrace::report::html {

void ThreadStackTotals::finish()
{
    m_cells.forEach([&](uint64_t key, const Cell&) {
        Cell& c = *m_cells.find(key);
        if (c.peakRecordedFor != m_peakSeq) {
            c.values[kPeak] = c.values[kLeaked];
            c.peakRecordedFor = m_peakSeq;
        }
    });
}

}  // namespace memtrace::report::html
