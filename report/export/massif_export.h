// `memtrace export --format massif`: a massif.out file (valgrind's heap profiler) that ms_print
// and massif-visualizer read.
//
// Snapshots: the capture's timeline (at most ~100 "empty" snapshots, each the largest heap of
// the buckets it covers, so the peak is never averaged away), plus two detailed ones with a
// heap tree: the peak ("heap_tree=peak", what every stack held at the heap peak) and the end
// (what was still live = leaked). The model keeps per-stack values only for those two instants,
// so those are the only trees. mem_heap_extra_B and mem_stacks_B are 0: memtrace does not
// measure allocator overhead or thread stacks. Time is in ms since the process started.
#pragma once

#include <string>

#include "reader/capture_model.h"
#include "report/html/stack_catalog.h"

namespace memtrace::report::exporter {

std::string massifOut(const reader::CaptureModel& model, const html::StackCatalog& catalog);

}  // namespace memtrace::report::exporter
