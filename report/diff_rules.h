// `memtrace diff --fail-if EXPR`: gates on the change of a headline total between two captures.
//
//   EXPR      := METRIC '>' THRESHOLD
//   METRIC    := peak | rss | leaked | allocated | allocations | temporary
//   THRESHOLD := [+|-] NUMBER [ '%' | UNIT ]
//   UNIT      := B | KB | MB | GB (powers of 1000) | KiB | MiB | GiB (powers of 1024), any case
//
// A rule fails when HEAD - BASE is greater than the threshold: `+N` / `+SIZE` absolute (bytes
// for byte metrics, a count for allocations and temporary — units are refused there), `+N%`
// relative to BASE (a change from 0 to anything above 0 is an infinite increase). Whitespace
// around the tokens is allowed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "diff_capture.h"

namespace memtrace::report {

enum class RuleMetric { Peak, Rss, Leaked, Allocated, Allocations, Temporary };

struct FailRule {
    std::string text;  // as given, for messages
    RuleMetric metric{};
    bool percent = false;
    double threshold = 0;  // bytes / count (integral) or percent
};

struct RuleResult {
    FailRule rule;
    uint64_t base = 0;
    uint64_t head = 0;
    bool failed = false;
};

// nullopt and `error` set when the expression is malformed.
std::optional<FailRule> parseFailRule(std::string_view text, std::string& error);
// "64KiB", "1.5MB", "4096": bytes; nullopt when malformed.
std::optional<uint64_t> parseSize(std::string_view text);

const char* ruleMetricName(RuleMetric metric);       // "peak", "rss", ...
const char* ruleMetricTitle(RuleMetric metric);      // "peak heap", "peak RSS", ...
bool ruleMetricIsBytes(RuleMetric metric);
uint64_t totalOf(const CaptureTotals& totals, RuleMetric metric);

RuleResult evaluateRule(const FailRule& rule, const CaptureTotals& base, const CaptureTotals& head);

}  // namespace memtrace::report
