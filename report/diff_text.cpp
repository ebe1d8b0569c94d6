#include <cstdio>

#include "diff_render.h"

namespace memtrace::report {

namespace {

std::string padded(std::string s, size_t width)
{
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

void appendSection(std::string& out, const StackDiff& diff, const DiffSection& section, const char* title)
{
    if (section.total == 0) return;
    out += "\n" + std::string(title) + " (" + std::to_string(section.total) + "):\n";
    int rank = 0;
    for (size_t index : section.rows) {
        const DiffRow& row = diff.rows[index];
        out += "  #" + std::to_string(++rank) + " peak " + signedSize(signedDelta(row.base.peakBytes, row.head.peakBytes)) +
               ", leaked " + signedSize(signedDelta(row.base.leakedBytes, row.head.leakedBytes)) + ", allocated " +
               signedSize(signedDelta(row.base.allocatedBytes, row.head.allocatedBytes)) + ", allocations " +
               signedCount(signedDelta(row.base.allocations, row.head.allocations)) + "\n";
        if (row.frames.empty()) out += "      (no stack)\n";
        for (const reader::SourceFrame& f : row.frames) out += "      " + frameLine(f) + "\n";
    }
    if (section.total > section.rows.size())
        out += "  ... and " + std::to_string(section.total - section.rows.size()) + " more (--top)\n";
}

}  // namespace

std::string diffText(const StackDiff& diff)
{
    auto side = [](const CaptureTotals& t) {
        std::string s = terminalSafe(t.name);
        if (!t.program.empty()) s += " (" + terminalSafe(t.program) + ")";
        if (t.truncated) s += " [truncated]";
        if (t.sampleRate) s += " [estimated (sampled 1 in " + std::to_string(t.sampleRate) + " bytes)]";
        return s;
    };
    std::string out = "memtrace diff: " + side(diff.base) + " -> " + side(diff.head) + "\n";
    out += "stacks matched by " + std::string(diffMatchDescription(diff.options.match)) +
           " (--match " + diffMatchName(diff.options.match) + "): " + std::to_string(diff.matched) +
           " in both, " + std::to_string(diff.added.total) + " new, " + std::to_string(diff.vanished.total) + " vanished\n\n";

    out += "  " + padded("", 24) + padded("base", 26) + padded("head", 26) + "change\n";
    for (const TotalLine& line : totalLines(diff)) {
        std::string change = totalChange(line.base, line.head, line.unit);
        const std::string pct = percentChange(line.base, line.head);
        if (!pct.empty()) change += "  " + pct;
        out += "  " + padded(line.title, 24) + padded(totalValue(line.base, line.unit), 26) +
               padded(totalValue(line.head, line.unit), 26) + change + "\n";
    }

    if (!diff.rules.empty()) {
        out += "\nrules:\n";
        for (const RuleResult& r : diff.rules)
            out += std::string(r.failed ? "  FAIL  " : "  pass  ") + padded(r.rule.text, 20) + "  " + ruleObservation(r) + "\n";
    }

    if (diff.identical()) {
        out += "\nno differences: every stack matched with identical metrics\n";
        return out;
    }
    appendSection(out, diff, diff.regressions, "regressions");
    appendSection(out, diff, diff.improvements, "improvements");
    appendSection(out, diff, diff.added, "new stacks (only in head)");
    appendSection(out, diff, diff.vanished, "vanished stacks (only in base)");
    if (diff.hiddenAsNoise)
        out += "\nchanged stacks not shown: " + std::to_string(diff.hiddenAsNoise) +
               " (below --min-change / --min-change-pct, or only their temporary count changed)\n";
    return out;
}

}  // namespace memtrace::report
