// `memtrace export --format csv`: the capture's timeline (reader/timeline.h), one row per time
// bucket, for spreadsheets, gnuplot or a fleet's own dashboards. Columns (docs/EXPORTS.md):
//   time_us          bucket start, µs since the process started
//   bucket_us        bucket width (the same on every row; it doubles as captures get longer)
//   heap_max_bytes   largest live heap (malloc family) seen in the bucket
//   heap_end_bytes   live heap at the bucket's last event
//   mmap_max_bytes   largest total of the process's own mmap'd bytes in the bucket
//   rss_max_bytes    largest RSS sample in the bucket; empty before the first RSS sample
// Every number is exact (integers, no rounding); rows are in time order.
#pragma once

#include <string>

#include "reader/timeline.h"

namespace memtrace::report::exporter {

std::string timelineCsv(const reader::Timeline& timeline);

}  // namespace memtrace::report::exporter
