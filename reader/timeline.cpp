#include "timeline.h"

#include <algorithm>

namespace memtrace::reader {

void Timeline::updateSlow(uint64_t timeUs, uint64_t heapBytes, uint64_t mmapBytes, uint64_t rssBytes)
{
    const uint64_t bucket = timeUs - timeUs % m_bucketUs;
    // Time never moves backwards in a capture; if it does (a damaged one), merge into the last.
    if (m_samples.empty() || bucket > m_samples.back().timeUs) {
        if (m_samples.size() == kMaxSamples) {
            halve();
            update(timeUs, heapBytes, mmapBytes, rssBytes);
            return;
        }
        m_samples.push_back(TimelineSample{bucket, heapBytes, heapBytes, mmapBytes, rssBytes});
        m_lastBucketEnd = bucket + m_bucketUs;
        return;
    }
    TimelineSample& s = m_samples.back();
    s.heapMax = std::max(s.heapMax, heapBytes);
    s.heapLast = heapBytes;
    s.mmapMax = std::max(s.mmapMax, mmapBytes);
    s.rssMax = std::max(s.rssMax, rssBytes);
}

void Timeline::halve()
{
    m_bucketUs *= 2;
    std::vector<TimelineSample> merged;
    merged.reserve(kMaxSamples);
    for (const TimelineSample& s : m_samples) {
        const uint64_t bucket = s.timeUs - s.timeUs % m_bucketUs;
        if (!merged.empty() && merged.back().timeUs == bucket) {
            TimelineSample& m = merged.back();
            m.heapMax = std::max(m.heapMax, s.heapMax);
            m.heapLast = s.heapLast;
            m.mmapMax = std::max(m.mmapMax, s.mmapMax);
            m.rssMax = std::max(m.rssMax, s.rssMax);
        } else {
            merged.push_back(s);
            merged.back().timeUs = bucket;
        }
    }
    m_samples.swap(merged);
    m_lastBucketEnd = m_samples.empty() ? 0 : m_samples.back().timeUs + m_bucketUs;
}

}  // namespace memtrace::reader
