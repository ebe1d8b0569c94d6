// GitHub-flavoured Markdown for a pull-request comment. Everything that comes from the capture
// (function names, paths, file names) is untrusted text: in table cells and prose it is escaped
// (backslash before Markdown punctuation, entities for < > &); stacks go into fenced code blocks
// whose fence is longer than any backtick run inside, within <details> blocks.
#include <algorithm>

#include "diff_render.h"
#include "markdown_escape.h"

namespace memtrace::report {

namespace {

void appendSection(std::string& out, const StackDiff& diff, const DiffSection& section, const std::string& title)
{
    if (section.total == 0) return;
    out += "\n#### " + title + " (" + std::to_string(section.total) + ")\n\n";
    out += "| # | allocating function | Δ peak | Δ leaked | Δ allocated | Δ allocations |\n";
    out += "|--:|---|--:|--:|--:|--:|\n";
    int rank = 0;
    for (size_t index : section.rows) {
        const DiffRow& row = diff.rows[index];
        out += "| " + std::to_string(++rank) + " | " + markdownText(leafName(row)) + " | " +
               signedSize(signedDelta(row.base.peakBytes, row.head.peakBytes)) + " | " +
               signedSize(signedDelta(row.base.leakedBytes, row.head.leakedBytes)) + " | " +
               signedSize(signedDelta(row.base.allocatedBytes, row.head.allocatedBytes)) + " | " +
               signedCount(signedDelta(row.base.allocations, row.head.allocations)) + " |\n";
    }
    if (section.total > section.rows.size())
        out += "\n_… and " + std::to_string(section.total - section.rows.size()) + " more (raise `--top`)._\n";
    rank = 0;
    for (size_t index : section.rows) {
        const DiffRow& row = diff.rows[index];
        std::string stack;
        for (const reader::SourceFrame& f : row.frames) stack += markdownOneLine(frameLine(f)) + "\n";
        if (row.frames.empty()) stack = "(no stack)\n";
        out += "\n<details><summary>#" + std::to_string(++rank) + " " + markdownHtmlText(leafName(row)) + "</summary>\n\n";
        out += markdownFencedBlock(stack);
        out += "\n</details>\n";
    }
}

}  // namespace

std::string diffMarkdown(const StackDiff& diff)
{
    std::string out = "### memtrace diff: " + markdownCodeSpan(diff.base.name) + " → " + markdownCodeSpan(diff.head.name) + "\n\n";
    if (!diff.base.program.empty() || !diff.head.program.empty())
        out += "Programs: " + markdownCodeSpan(diff.base.program) + " → " + markdownCodeSpan(diff.head.program) + ". ";
    out += "Stacks matched by " + std::string(diffMatchDescription(diff.options.match)) +
           " (`--match " +
           diffMatchName(diff.options.match) + "`): " + std::to_string(diff.matched) + " in both, " +
           std::to_string(diff.added.total) + " new, " + std::to_string(diff.vanished.total) + " vanished.\n";
    for (const CaptureTotals* t : {&diff.base, &diff.head})
        if (t->truncated) out += "\n**Warning:** " + markdownCodeSpan(t->name) + " is truncated; its numbers cover what was read.\n";
    for (const CaptureTotals* t : {&diff.base, &diff.head})
        if (t->sampleRate)
            out += "\n**Note:** " + markdownCodeSpan(t->name) + ": estimated (sampled 1 in " + std::to_string(t->sampleRate) + " bytes).\n";

    out += "\n| | base | head | change | % |\n|---|--:|--:|--:|--:|\n";
    for (const TotalLine& line : totalLines(diff)) {
        out += "| " + markdownText(line.title) + " | " + totalValue(line.base, line.unit) + " | " + totalValue(line.head, line.unit) +
               " | " + totalChange(line.base, line.head, line.unit) + " | " + percentChange(line.base, line.head) + " |\n";
    }

    if (!diff.rules.empty()) {
        const auto failed = std::count_if(diff.rules.begin(), diff.rules.end(), [](const RuleResult& r) { return r.failed; });
        out += "\n#### Rules: " + (failed ? "❌ " + std::to_string(failed) + " of " + std::to_string(diff.rules.size()) + " failed"
                                          : "✅ all " + std::to_string(diff.rules.size()) + " passed") + "\n\n";
        out += "| rule | observed | result |\n|---|---|---|\n";
        for (const RuleResult& r : diff.rules)
            out += "| " + markdownText(r.rule.text) + " | " + markdownText(ruleObservation(r)) + " | " + (r.failed ? "❌ **failed**" : "✅ passed") +
                   " |\n";
    }

    if (diff.identical()) {
        out += "\n**No differences:** every stack matched with identical metrics.\n";
        return out;
    }
    appendSection(out, diff, diff.regressions, "Regressions");
    appendSection(out, diff, diff.improvements, "Improvements");
    appendSection(out, diff, diff.added, "New stacks (only in head)");
    appendSection(out, diff, diff.vanished, "Vanished stacks (only in base)");
    if (diff.hiddenAsNoise)
        out += "\n_Changed stacks not shown: " + std::to_string(diff.hiddenAsNoise) +
               " (below `--min-change` / `--min-change-pct`, or only their temporary count changed)._\n";
    return out;
}

}  // namespace memtrace::report
