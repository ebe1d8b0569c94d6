// Heap, mmap and RSS over time, in bounded memory, for charts in reports.
//
// Time is cut into buckets (initially 1 ms). Each bucket keeps the maximum heap, mmap and RSS
// seen in it and the heap at its end. When kMaxSamples buckets exist, neighbours are merged
// pairwise and the bucket width doubles, so a capture of any length keeps at most kMaxSamples
// samples and a short spike is never averaged away (maxima survive merging).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace memtrace::reader {

struct TimelineSample {
    uint64_t timeUs = 0;   // bucket start
    uint64_t heapMax = 0;
    uint64_t heapLast = 0;
    uint64_t mmapMax = 0;
    uint64_t rssMax = 0;   // 0: no RSS sample yet
};

class Timeline {
public:
    static constexpr size_t kMaxSamples = 4096;
    static constexpr uint64_t kInitialBucketUs = 1000;

    // Inline fast path: the event falls into the current (last) bucket, or earlier (a damaged
    // capture whose time went backwards merges into the last bucket too).
    void update(uint64_t timeUs, uint64_t heapBytes, uint64_t mmapBytes, uint64_t rssBytes)
    {
        if (timeUs < m_lastBucketEnd) [[likely]] {
            TimelineSample& s = m_samples.back();
            if (heapBytes > s.heapMax) s.heapMax = heapBytes;
            s.heapLast = heapBytes;
            if (mmapBytes > s.mmapMax) s.mmapMax = mmapBytes;
            if (rssBytes > s.rssMax) s.rssMax = rssBytes;
            return;
        }
        updateSlow(timeUs, heapBytes, mmapBytes, rssBytes);
    }

    const std::vector<TimelineSample>& samples() const { return m_samples; }
    uint64_t bucketUs() const { return m_bucketUs; }

private:
    void updateSlow(uint64_t timeUs, uint64_t heapBytes, uint64_t mmapBytes, uint64_t rssBytes);
    void halve();

    uint64_t m_lastBucketEnd = 0;  // end of the last sample's bucket; 0 while there is none

    std::vector<TimelineSample> m_samples;
    uint64_t m_bucketUs = kInitialBucketUs;
};

}  // namespace memtrace::reader
