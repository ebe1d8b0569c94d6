// The numbers and stacks of `memtrace summary`, computed once from a finished CaptureModel;
// summary_text.h and summary_json.h render it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reader/capture_model.h"
#include "reader/capture_stream.h"
#include "reader/symbolizer.h"
#include "thread_totals.h"

namespace memtrace::report {

struct KindRow {
    std::string name;  // format::allocatorKindName
    uint64_t count = 0;
    uint64_t bytes = 0;
};

// One bucket of the allocation size histogram (reader/size_histogram.h): sizes in
// [minSize, maxSize].
struct SizeRow {
    uint64_t minSize = 0;
    uint64_t maxSize = 0;
    uint64_t count = 0;
    uint64_t bytes = 0;
};

struct StackRow {
    uint64_t bytes = 0;
    uint64_t blocks = 0;       // leaks: blocks; peak stacks: 0 (not tracked at the peak)
    uint64_t allocations = 0;  // all allocations by the stack over the run
    uint64_t temporary = 0;    // of those, freed before their thread allocated again
    std::string kind;
    std::vector<reader::SourceFrame> frames;
};

struct Summary {
    std::string program;
    std::vector<std::string> commandLine;
    std::optional<uint64_t> pid;
    size_t threads = 0;
    uint64_t durationUs = 0;
    std::optional<reader::ExitStatus> exitStatus;
    bool endedBySignal = false;  // the shim's End says a fatal signal ended the process
    std::optional<std::string> trackingStopped;  // why the shim stopped recording before the end

    bool truncated = false;           // the capture was cut or damaged, or has no End record
    std::optional<uint64_t> stopByte;  // where reading stopped, when it did not reach the end
    std::string stopReason;           // what was wrong at stopByte ("" for a clean cut)
    bool corrupt = false;
    std::string foreignMalloc;  // the program's own malloc (reader::ProcessInfo): heap not recorded

    uint64_t allocations = 0;
    uint64_t frees = 0;
    uint64_t allocatedBytes = 0;
    uint64_t freedBytes = 0;
    uint64_t freesUnmatched = 0;
    uint64_t temporary = 0;
    uint64_t anomalies = 0;
    uint64_t peakHeapBytes = 0;
    uint64_t peakHeapTimeUs = 0;
    uint64_t peakRssBytes = 0;
    uint64_t peakRssTimeUs = 0;
    uint64_t mmapBytesPeak = 0;
    uint64_t mmapCalls = 0;
    uint64_t leakedBytes = 0;
    uint64_t leakedBlocks = 0;
    std::vector<KindRow> byKind;  // kinds seen, in AllocatorKind order
    // Heap allocations by size, from the smallest non-empty bucket to the largest (empty
    // between them included, so the shape shows); none in soak captures (no single blocks).
    std::vector<SizeRow> sizes;

    std::vector<StackRow> topPeakStacks;        // bytes: held at the peak
    std::vector<StackRow> topLeaks;             // bytes: leaked
    std::vector<StackRow> topAllocationStacks;  // most allocations; bytes: allocated in all
    std::vector<StackRow> topTemporaryStacks;   // most temporary allocations; bytes: allocated in all
    std::vector<ThreadTotalsRow> threadTotals;  // per allocating thread, largest allocated bytes first

    uint64_t timeResolutionUs = 1;  // every time in the capture is a multiple of this
    uint64_t sampleRate = 0;  // byte sampling: heap numbers are estimates (docs/SAMPLING.md)
    std::vector<reader::MarkerEvent> markers;  // docs/CONTROL.md
    size_t pauses = 0;
    std::vector<reader::PauseInterval> pauseIntervals;
    // From the End record (0 without one): events the shim dropped (counts are short by them),
    // times a program thread found its ring full and waited or drained (the writer fell behind).
    uint64_t eventsLost = 0;
    uint64_t ringFullWaits = 0;
    uint64_t programDrains = 0;
    bool soak = false;             // numbers from snapshots (docs/SOAK.md)
    uint64_t snapshots = 0;
    uint64_t snapshotIntervalUs = 0;
};

inline constexpr size_t kTopStacks = 10;

Summary buildSummary(const reader::CaptureModel& model, const reader::StreamResult& read, reader::Symbolizer& symbolizer,
                     size_t topStacks = kTopStacks);

}  // namespace memtrace::report
