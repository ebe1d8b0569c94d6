// The quantities a flamegraph can show, per stack: one table, used by the folded output, the
// HTML report's metric switch and the tests (every metric's total is a `summary --json` field).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "reader/heap_tracker.h"

namespace memtrace::report::html {

enum class Metric : uint8_t { Peak, Leaked, Allocated, Allocations, Temporary };
inline constexpr size_t kMetricCount = 5;

struct MetricInfo {
    Metric metric;
    const char* key;          // command-line and JSON name
    const char* label;        // what the page calls it
    const char* summaryField; // the `summary --json` field that equals its total
    bool bytes;               // a byte count (else a count of allocations)
};

inline constexpr std::array<MetricInfo, kMetricCount> kMetrics{{
    {Metric::Peak, "peak", "Bytes held at the peak", "peak_heap_bytes", true},
    {Metric::Leaked, "leaked", "Leaked bytes (live at exit)", "leaked_bytes", true},
    {Metric::Allocated, "allocated", "Total bytes allocated", "allocated_bytes", true},
    {Metric::Allocations, "allocations", "Number of allocations", "allocations", false},
    {Metric::Temporary, "temporary", "Number of temporary allocations", "temporary_allocations", false},
}};

using MetricValues = std::array<uint64_t, kMetricCount>;

inline const MetricInfo& metricInfo(Metric m) { return kMetrics[static_cast<size_t>(m)]; }

inline std::optional<Metric> parseMetric(std::string_view key)
{
    for (const MetricInfo& info : kMetrics)
        if (key == info.key) return info.metric;
    return std::nullopt;
}

// A stack's values after the model is finished (HeapTracker::finish settles peakBytes; the
// live bytes left at the end are the stack's leaks).
inline MetricValues stackValues(const reader::StackStats& s)
{
    return {s.peakBytes, s.liveBytes, s.allocatedBytes, s.allocations, s.temporary};
}

inline bool anyNonZero(const MetricValues& v)
{
    for (uint64_t x : v)
        if (x != 0) return true;
    return false;
}

}  // namespace memtrace::report::html
