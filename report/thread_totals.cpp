#include "thread_totals.h"

#include <algorithm>

namespace memtrace::report {

std::vector<ThreadTotalsRow> threadTotals(const reader::CaptureModel& model)
{
    std::vector<ThreadTotalsRow> rows;
    if (model.isSoak()) return rows;
    model.heap().forEachThread([&](uint32_t index, const reader::ThreadStats& t) {
        ThreadTotalsRow& row = rows.emplace_back();
        row.index = index;
        if (const auto it = model.threads().find(index); it != model.threads().end()) {
            row.tid = it->second.tid;
            row.name = it->second.name;
        }
        row.allocations = t.allocations;
        row.allocatedBytes = t.allocatedBytes;
        row.temporary = t.temporary;
        row.leakedBytes = t.liveBytes;
        row.leakedBlocks = t.liveBlocks;
        row.peakBytes = t.peakBytes;
    });
    std::stable_sort(rows.begin(), rows.end(),
                     [](const ThreadTotalsRow& a, const ThreadTotalsRow& b) { return a.allocatedBytes > b.allocatedBytes; });
    return rows;
}

}  // namespace memtrace::report
