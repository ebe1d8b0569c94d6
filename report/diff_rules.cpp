#include "diff_rules.h"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <utility>

namespace memtrace::report {

namespace {

constexpr std::array<std::pair<RuleMetric, const char*>, 6> kMetricNames = {{
    {RuleMetric::Peak, "peak"},
    {RuleMetric::Rss, "rss"},
    {RuleMetric::Leaked, "leaked"},
    {RuleMetric::Allocated, "allocated"},
    {RuleMetric::Allocations, "allocations"},
    {RuleMetric::Temporary, "temporary"},
}};

std::string_view trim(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

// A non-negative decimal number ("12", "2.5") at the start of s; its length in `used`.
std::optional<double> leadingNumber(std::string_view s, size_t& used)
{
    size_t i = 0;
    bool digits = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
    }
    if (!digits) return std::nullopt;
    used = i;
    return std::strtod(std::string(s.substr(0, i)).c_str(), nullptr);
}

std::optional<double> unitFactor(std::string_view unit)
{
    static constexpr std::array<std::pair<const char*, double>, 7> kUnits = {{
        {"B", 1.0},
        {"KB", 1e3},
        {"MB", 1e6},
        {"GB", 1e9},
        {"KiB", 1024.0},
        {"MiB", 1024.0 * 1024.0},
        {"GiB", 1024.0 * 1024.0 * 1024.0},
    }};
    for (const auto& [name, factor] : kUnits)
        if (equalsIgnoreCase(unit, name)) return factor;
    return std::nullopt;
}

}  // namespace

const char* ruleMetricName(RuleMetric metric)
{
    for (const auto& [m, name] : kMetricNames)
        if (m == metric) return name;
    return "?";
}

const char* ruleMetricTitle(RuleMetric metric)
{
    switch (metric) {
    case RuleMetric::Peak: return "peak heap";
    case RuleMetric::Rss: return "peak RSS";
    case RuleMetric::Leaked: return "leaked bytes";
    case RuleMetric::Allocated: return "allocated bytes";
    case RuleMetric::Allocations: return "allocations";
    case RuleMetric::Temporary: return "temporary allocations";
    }
    return "?";
}

bool ruleMetricIsBytes(RuleMetric metric) { return metric != RuleMetric::Allocations && metric != RuleMetric::Temporary; }

uint64_t totalOf(const CaptureTotals& t, RuleMetric metric)
{
    switch (metric) {
    case RuleMetric::Peak: return t.peakHeapBytes;
    case RuleMetric::Rss: return t.peakRssBytes;
    case RuleMetric::Leaked: return t.leakedBytes;
    case RuleMetric::Allocated: return t.allocatedBytes;
    case RuleMetric::Allocations: return t.allocations;
    case RuleMetric::Temporary: return t.temporary;
    }
    return 0;
}

std::optional<uint64_t> parseSize(std::string_view text)
{
    text = trim(text);
    size_t used = 0;
    const std::optional<double> number = leadingNumber(text, used);
    if (!number) return std::nullopt;
    const std::string_view unit = trim(text.substr(used));
    const std::optional<double> factor = unit.empty() ? std::optional<double>(1.0) : unitFactor(unit);
    if (!factor) return std::nullopt;
    const double bytes = std::floor(*number * *factor);
    if (bytes >= 1.8e19) return std::nullopt;
    if (unit.empty() || *factor == 1.0) {
        if (text.substr(0, used).find('.') != std::string_view::npos) return std::nullopt;  // "1.5" bytes
    }
    return static_cast<uint64_t>(bytes);
}

std::optional<FailRule> parseFailRule(std::string_view text, std::string& error)
{
    FailRule rule;
    rule.text = std::string(trim(text));
    const size_t gt = text.find('>');
    if (gt == std::string_view::npos) {
        error = "expected METRIC>THRESHOLD, e.g. 'peak>+5%'";
        return std::nullopt;
    }
    const std::string_view name = trim(text.substr(0, gt));
    bool known = false;
    for (const auto& [metric, metricName] : kMetricNames) {
        if (name == metricName) {
            rule.metric = metric;
            known = true;
        }
    }
    if (!known) {
        error = "unknown metric '" + std::string(name) + "' (peak, rss, leaked, allocated, allocations, temporary)";
        return std::nullopt;
    }
    std::string_view threshold = trim(text.substr(gt + 1));
    if (!threshold.empty() && threshold.front() == '=') {
        error = "only '>' is supported";
        return std::nullopt;
    }
    double sign = 1;
    if (!threshold.empty() && (threshold.front() == '+' || threshold.front() == '-')) {
        sign = threshold.front() == '-' ? -1 : 1;
        threshold = trim(threshold.substr(1));
    }
    size_t used = 0;
    const std::optional<double> number = leadingNumber(threshold, used);
    if (!number) {
        error = "expected a number after '>', e.g. +5%, +0, +64KiB";
        return std::nullopt;
    }
    const std::string_view suffix = trim(threshold.substr(used));
    if (suffix == "%") {
        rule.percent = true;
        rule.threshold = sign * *number;
        return rule;
    }
    if (!suffix.empty() && !ruleMetricIsBytes(rule.metric)) {
        error = std::string(ruleMetricName(rule.metric)) + " is a count: use +N or +N%, not a size";
        return std::nullopt;
    }
    const std::optional<uint64_t> amount = parseSize(threshold);
    if (!amount) {
        error = suffix.empty() ? "expected a whole number" : "unknown unit '" + std::string(suffix) + "' (B, KB, MB, GB, KiB, MiB, GiB)";
        return std::nullopt;
    }
    rule.threshold = sign * static_cast<double>(*amount);
    return rule;
}

RuleResult evaluateRule(const FailRule& rule, const CaptureTotals& base, const CaptureTotals& head)
{
    RuleResult result{rule, totalOf(base, rule.metric), totalOf(head, rule.metric), false};
    // Exact integer delta; long double holds every uint64 difference we meet exactly enough.
    const long double delta = static_cast<long double>(result.head) - static_cast<long double>(result.base);
    if (!rule.percent) {
        result.failed = delta > static_cast<long double>(rule.threshold);
    } else if (result.base == 0) {
        // From nothing: +infinity percent if it grew, 0% if it stayed at 0.
        result.failed = result.head > 0 || 0.0 > rule.threshold;
    } else {
        result.failed = delta * 100.0L > static_cast<long double>(rule.threshold) * static_cast<long double>(result.base);
    }
    return result;
}

}  // namespace memtrace::report
