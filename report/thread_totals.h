// What each thread's blocks add up to (`summary --json`'s thread_totals, the HTML report's
// thread filter): a block belongs to the thread that allocated it, wherever it is freed.
// Threads that allocated nothing are left out; the rest, largest allocated bytes first, add up
// to the summary's allocations, allocated bytes, temporary allocations, leaks and peak.
// Soak captures have no per-thread numbers (their snapshots are per stack): the list is empty.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reader/capture_model.h"

namespace memtrace::report {

struct ThreadTotalsRow {
    uint32_t index = 0;          // ThreadIndex value, as the capture numbers the thread
    std::optional<uint64_t> tid;  // OS thread id, when the capture has its ThreadStart
    std::string name;            // its latest name ("" if none)
    uint64_t allocations = 0;
    uint64_t allocatedBytes = 0;
    uint64_t temporary = 0;
    uint64_t leakedBytes = 0;
    uint64_t leakedBlocks = 0;
    uint64_t peakBytes = 0;  // held by its blocks at the global heap peak
};

std::vector<ThreadTotalsRow> threadTotals(const reader::CaptureModel& model);

}  // namespace memtrace::report
