// The report's thread filter data (docs/REPORT.md, "Thread filter"): for the largest threads
// (by allocated bytes, at most `listed`), each tree node's values counting only that thread's
// blocks; the other threads together as one "[other threads]" entry. Per thread, a sparse
// list per tree: the nodes its blocks reach and their values per metric. A per-thread value
// lands where the stack's all-thread value lands (FlameTree::leafOfEntry, "[below cut-off]"
// boxes included), so each thread's root equals its totals (`summary --json` thread_totals).
//
// The entries (nodes over both trees, summed over the listed threads) are capped: a thread
// that would pass the cap, and every smaller one, joins "[other threads]" (whose own lists are
// bounded by the trees' sizes). With one allocating thread, its values are the whole tree's
// ("all": true, no lists).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <vector>

#include "flame_tree.h"
#include "report/thread_totals.h"
#include "stack_catalog.h"
#include "thread_stacks.h"

namespace memtrace::report::html {

struct ThreadViewLimits {
    size_t listed = 32;
    size_t maxEntries = 400000;
};

// `threads` must be finished. If its per-thread sums differ from `rows` (the second pass did
// not see what the first did), the result says the filter is unavailable, and why.
nlohmann::json threadViewJson(const std::vector<ThreadTotalsRow>& rows, const ThreadStackTotals& threads,
                              const StackCatalog& catalog, const FlameTree& tree, const FlameTree& callerTree,
                              const ThreadViewLimits& limits = {});

}  // namespace memtrace::report::html
