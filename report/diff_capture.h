// One side of `memtrace diff`: a capture reduced to what two builds can be compared on —
// headline totals, and heap metrics per *symbolic* stack (addresses differ with ASLR and every
// rebuild, so stacks are keyed by their symbolized frames, never by ip).
//
// Keys, by match mode (frames as report_stack.h shows them: shim and start-up trimmed, inline
// frames expanded):
//   Function  the chain of function names, innermost first (line shifts do not break a match)
//   Line      function + file:line of every frame (any moved line makes a different stack)
//   Leaf      the innermost function only (the allocating function)
// Raw stacks of one capture with the same key are summed: per-stack peak bytes all refer to
// the same instant (the capture's heap peak), so their sum is what the key held at the peak.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "diff_key.h"
#include "reader/capture_model.h"
#include "reader/capture_stream.h"
#include "reader/symbolizer.h"

namespace memtrace::report {

enum class DiffMatch { Function, Line, Leaf };

const char* diffMatchName(DiffMatch match);         // "function", "line", "leaf"
const char* diffMatchDescription(DiffMatch match);  // "function names", ...

// Heap (malloc-family) metrics of one symbolic stack in one capture.
struct StackMetrics {
    uint64_t peakBytes = 0;  // held at the capture's heap peak
    uint64_t leakedBytes = 0;
    uint64_t leakedBlocks = 0;
    uint64_t allocatedBytes = 0;
    uint64_t allocations = 0;
    uint64_t temporary = 0;

    StackMetrics& operator+=(const StackMetrics& o);
    bool operator==(const StackMetrics&) const = default;
};

struct ProfiledStack {
    StackKey key;  // see the header comment, its parts in the profile's KeyTable; empty = no stack
    StackMetrics metrics;
    // The heaviest raw stack with this key (its StackIndex value in its capture), and its
    // frames. profileCapture leaves the frames empty - with 100000 deep stacks, copies of
    // every stack's frames took gigabytes - and framesOf() gives them for the rows shown.
    uint32_t representative = 0;
    std::vector<reader::SourceFrame> frames;
};

struct CaptureTotals {
    std::string name;     // the capture file's basename (reports must not depend on paths)
    std::string program;  // basename of the traced executable ("" if unknown)
    uint64_t peakHeapBytes = 0;
    uint64_t peakRssBytes = 0;
    uint64_t leakedBytes = 0;
    uint64_t leakedBlocks = 0;
    uint64_t allocatedBytes = 0;
    uint64_t allocations = 0;
    uint64_t temporary = 0;
    uint64_t durationUs = 0;
    bool truncated = false;  // cut, damaged or without End record: numbers cover what was read
    uint64_t sampleRate = 0;  // byte-sampled: numbers are estimates (docs/SAMPLING.md)
};

struct CaptureProfile {
    CaptureTotals totals;
    KeyTable keys;
    std::vector<ProfiledStack> stacks;  // sorted by key (compareKeys)
};

// The key of these frames (innermost first), its parts interned in `table`.
StackKey stackKey(const std::vector<reader::SourceFrame>& frames, DiffMatch match, KeyTable& table);

CaptureProfile profileCapture(const std::string& path, const reader::CaptureModel& model, const reader::StreamResult& read,
                              reader::Symbolizer& symbolizer, DiffMatch match);

// The frames of a profiled stack, as report_stack.h shows them.
std::vector<reader::SourceFrame> framesOf(const ProfiledStack& stack, const reader::CaptureModel& model,
                                          reader::Symbolizer& symbolizer);

}  // namespace memtrace::report
