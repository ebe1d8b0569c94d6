#include "timeline_csv.h"

namespace memtrace::report::exporter {

std::string timelineCsv(const reader::Timeline& timeline)
{
    std::string out = "time_us,bucket_us,heap_max_bytes,heap_end_bytes,mmap_max_bytes,rss_max_bytes\n";
    const std::string bucket = std::to_string(timeline.bucketUs());
    for (const reader::TimelineSample& s : timeline.samples()) {
        out += std::to_string(s.timeUs) + ',' + bucket + ',' + std::to_string(s.heapMax) + ',' + std::to_string(s.heapLast) +
               ',' + std::to_string(s.mmapMax) + ',' + (s.rssMax ? std::to_string(s.rssMax) : std::string()) + '\n';
    }
    return out;
}

}  // namespace memtrace::report::exporter
