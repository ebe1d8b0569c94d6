#include <cstdio>

#include "diff_render.h"
#include "human_size.h"
#include "report_stack.h"

namespace memtrace::report {

std::string signedSize(int64_t bytes)
{
    if (bytes == 0) return "0 B";
    const uint64_t magnitude = bytes < 0 ? 0 - static_cast<uint64_t>(bytes) : static_cast<uint64_t>(bytes);
    return (bytes < 0 ? "-" : "+") + scaledSize(magnitude);
}

std::string signedCount(int64_t count)
{
    if (count == 0) return "0";
    return (count > 0 ? "+" : "") + std::to_string(count);
}

std::string percentChange(uint64_t base, uint64_t head)
{
    if (base == head) return "";
    if (base == 0) return "new";
    const long double pct = (static_cast<long double>(head) - static_cast<long double>(base)) * 100.0L / static_cast<long double>(base);
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%+.2Lf%%", pct);
    return buffer;
}

std::string totalValue(uint64_t value, TotalUnit unit)
{
    switch (unit) {
    case TotalUnit::Bytes: return humanSize(value);
    case TotalUnit::Count: return std::to_string(value);
    case TotalUnit::Microseconds: return seconds(value) + " s";
    }
    return {};
}

std::string totalChange(uint64_t base, uint64_t head, TotalUnit unit)
{
    const int64_t delta = signedDelta(base, head);
    switch (unit) {
    case TotalUnit::Bytes: {
        const std::string exact = signedCount(delta) + " B";
        if (delta > -1024 && delta < 1024) return delta == 0 ? "0 B" : exact;
        return signedSize(delta) + " (" + exact + ")";
    }
    case TotalUnit::Count: return signedCount(delta);
    case TotalUnit::Microseconds: {
        if (delta == 0) return "0 s";
        const uint64_t magnitude = delta < 0 ? 0 - static_cast<uint64_t>(delta) : static_cast<uint64_t>(delta);
        return (delta < 0 ? "-" : "+") + seconds(magnitude) + " s";
    }
    }
    return {};
}

std::string leafName(const DiffRow& row) { return stackLabel(row.frames, "(no stack)"); }

const char* statusName(DiffStatus status)
{
    switch (status) {
    case DiffStatus::Changed: return "changed";
    case DiffStatus::Unchanged: return "unchanged";
    case DiffStatus::Added: return "new";
    case DiffStatus::Vanished: return "vanished";
    }
    return "?";
}

std::string ruleObservation(const RuleResult& r)
{
    const bool bytes = ruleMetricIsBytes(r.rule.metric);
    const std::string unit = bytes ? " B" : "";
    std::string out = std::string(ruleMetricTitle(r.rule.metric)) + " " + signedCount(signedDelta(r.base, r.head)) + unit;
    const std::string pct = percentChange(r.base, r.head);
    if (!pct.empty()) out += " (" + pct + ")";
    out += ": " + std::to_string(r.base) + unit + " -> " + std::to_string(r.head) + unit;
    return out;
}

std::vector<TotalLine> totalLines(const StackDiff& d)
{
    return {
        {"peak_heap_bytes", "peak heap", d.base.peakHeapBytes, d.head.peakHeapBytes, TotalUnit::Bytes},
        {"peak_rss_bytes", "peak RSS", d.base.peakRssBytes, d.head.peakRssBytes, TotalUnit::Bytes},
        {"leaked_bytes", "leaked", d.base.leakedBytes, d.head.leakedBytes, TotalUnit::Bytes},
        {"leaked_blocks", "leaked blocks", d.base.leakedBlocks, d.head.leakedBlocks, TotalUnit::Count},
        {"allocated_bytes", "allocated", d.base.allocatedBytes, d.head.allocatedBytes, TotalUnit::Bytes},
        {"allocations", "allocations", d.base.allocations, d.head.allocations, TotalUnit::Count},
        {"temporary_allocations", "temporary allocations", d.base.temporary, d.head.temporary, TotalUnit::Count},
        {"duration_us", "duration", d.base.durationUs, d.head.durationUs, TotalUnit::Microseconds},
    };
}

}  // namespace memtrace::report
