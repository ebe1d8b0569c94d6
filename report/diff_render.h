// The renderings of a StackDiff. Every one of them is deterministic for given captures: no
// timestamps, no paths other than the capture/program basenames and the symbolized frames.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "diff_model.h"
#include "terminal_text.h"

namespace memtrace::report {

std::string diffText(const StackDiff& diff);      // for a terminal
std::string diffMarkdown(const StackDiff& diff);  // for a pull-request comment (GitHub-flavoured)
nlohmann::json diffJson(const StackDiff& diff);   // keys are a public interface: add, never rename
// Self-contained differential flamegraph page, drawn from every row: their frames come from
// framesOf (one row at a time, none kept) when given, else from the rows' own frames. The
// graph's call tree keeps every node while it has at most maxGraphNodes, else it is pruned as
// the report's flamegraph is. Built in memtrace_report_html (report/html/diff_page.cpp).
using FramesOfRow = std::function<std::vector<reader::SourceFrame>(const DiffRow&)>;
std::string diffHtml(const StackDiff& diff, const FramesOfRow& framesOf = {}, size_t maxGraphNodes = 40000);

// Shared by the renderers (diff_format.cpp).
enum class TotalUnit { Bytes, Count, Microseconds };
struct TotalLine {
    const char* key;    // JSON key
    const char* title;  // for people
    uint64_t base;
    uint64_t head;
    TotalUnit unit;
};
// The headline totals in display order, peak heap first, duration last.
std::string signedSize(int64_t bytes);   // "+64.00 KiB", "-512 B", "0 B"
std::string signedCount(int64_t count);  // "+12", "-3", "0"
// Relative change: "+6.25%", "-100.00%", "new" (from 0), "" (no change).
std::string percentChange(uint64_t base, uint64_t head);
// A total for people: "1.00 MiB (1048576 B)", "214", "0.012345 s".
std::string totalValue(uint64_t value, TotalUnit unit);
std::string totalChange(uint64_t base, uint64_t head, TotalUnit unit);  // "+64.00 KiB (+65536 B)", "+3", "+0.001000 s"
std::string leafName(const DiffRow& row);                 // innermost function, "(no stack)"
const char* statusName(DiffStatus status);
// What a rule saw: "peak heap +6.25% (+65536 B: 1048576 B -> 1114112 B)".
std::string ruleObservation(const RuleResult& result);                // "changed", "unchanged", "new", "vanished"

std::vector<TotalLine> totalLines(const StackDiff& diff);

}  // namespace memtrace::report
