// A stack as reports show it: symbolized, inline frames expanded, and trimmed of frames that
// only say "memtrace was here" — the shim's own frames (libmemtrace_preload.so) at the
// innermost end and C runtime start-up (_start, __libc_start_main, __libc_start_call_main) at
// the outermost end.
#pragma once

#include <vector>

#include "reader/ids.h"
#include "reader/stack_table.h"
#include "reader/symbolizer.h"

namespace memtrace::report {

std::vector<reader::SourceFrame> reportStack(const reader::StackTable& stacks, reader::Symbolizer& symbolizer,
                                             reader::StackIndex stack);

// Exposed for tests: whether a frame belongs to the shim / to C start-up.
bool isShimFrame(const reader::SourceFrame& frame);
bool isStartupFrame(const reader::SourceFrame& frame);

}  // namespace memtrace::report
