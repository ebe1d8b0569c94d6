// Per-stack history in a bounded number of time buckets, for the report's "live bytes over
// time" chart and its time-window flamegraphs (memray's temporal view), computed from a second
// streaming pass over the capture with the reader's own CaptureModel, so every block follows
// exactly the accounting rules of `memtrace summary`.
//
// The capture's duration is cut into `buckets` equal buckets. A chosen set of stacks is
// followed one by one; every other stack is summed into one "rest" series (the last). For each
// series and bucket:
//   liveAtEnd  bytes live at the end of the bucket
//   atPeak     bytes live at the moment the heap was highest within the bucket (lazy snapshot:
//              a series records its value only when it is about to change after that moment,
//              as HeapTracker does for the global peak, so each event costs O(1))
//   lifetimes  (allocation bucket, release bucket or `buckets` if never released) -> bytes,
//              blocks: enough to answer "allocated in window [a, b] and still live at its end"
//              and "allocated in window" for any window without the event stream.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "thread_stacks.h"

namespace memtrace::report::html {

struct Lifetime {
    uint64_t bytes = 0;
    uint64_t blocks = 0;
};

struct SeriesHistory {
    std::vector<uint64_t> liveAtEnd;
    std::vector<uint64_t> atPeak;
    std::unordered_map<uint32_t, Lifetime> lifetimes;  // key = allocBucket << 16 | releaseBucket

    static uint32_t key(uint32_t allocBucket, uint32_t releaseBucket) { return allocBucket << 16 | releaseBucket; }
};

struct StackHistory {
    uint64_t bucketUs = 1;
    uint32_t buckets = 0;
    std::vector<uint64_t> heapMax;      // per bucket
    std::vector<SeriesHistory> series;  // tracked stacks in the order given, then the rest
    bool complete = false;              // the pass read what the first pass read
};

inline constexpr uint32_t kMaxHistoryBuckets = 200;

// trackedStacks: StackIndex values. durationUs: the model's durationUs() from the first pass.
// threads: if given, also gets every block the pass adds and releases (thread_stacks.h), and
// is finished.
StackHistory recordStackHistory(const std::string& path, const std::vector<uint32_t>& trackedStacks, uint64_t durationUs,
                                uint32_t buckets = kMaxHistoryBuckets, ThreadStackTotals* threads = nullptr);

// Folds series `from` into series `into` (sums every field).
void mergeSeries(SeriesHistory& into, const SeriesHistory& from);

}  // namespace memtrace::report::html
