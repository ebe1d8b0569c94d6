// A stack as reports show it: symbolized, inline frames expanded, and trimmed of frames that
// only say "memtrace was here" — the shim's own frames (libmemtrace_preload.so) at the
// innermost end and C runtime start-up (_start, __libc_start_main, __libc_start_call_main) at
// the outermost end.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reader/ids.h"
#include "reader/stack_table.h"
#include "reader/symbolizer.h"

namespace memtrace::report {

std::vector<reader::SourceFrame> reportStack(const reader::StackTable& stacks, reader::Symbolizer& symbolizer,
                                             reader::StackIndex stack);

// The same trimmed stack, still grouped by recorded frame (pprof needs one location per return
// address, its inlined calls as that location's lines): sources[first, first + count) of each
// recorded frame survive the trimming. `sources` points into the symbolizer's cache.
struct ReportFrame {
    reader::Frame frame;
    const std::vector<reader::SourceFrame>* sources = nullptr;  // innermost first
    uint32_t first = 0;
    uint32_t count = 0;
};
std::vector<ReportFrame> reportFrames(const reader::StackTable& stacks, reader::Symbolizer& symbolizer,
                                      reader::StackIndex stack);

// A one-line name for a stack in a table cell: its innermost function, or, when that frame
// has no symbol (a stripped library's static function: "libsqlite3.so.0+0xa7504"), that and
// the first two callers that have one ("libsqlite3.so.0+0xa7504 ← sqlite3Malloc ←
// sqlite3ParserAlloc"), so rows of different call sites do not all read the same.
// `empty` for a stack without frames.
std::string stackLabel(const std::vector<reader::SourceFrame>& frames, const std::string& empty);

// Exposed for tests: whether a frame belongs to the shim / to C start-up.
bool isShimFrame(const reader::SourceFrame& frame);
bool isStartupFrame(const reader::SourceFrame& frame);

}  // namespace memtrace::report
