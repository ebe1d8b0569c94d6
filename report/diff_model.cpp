#include "diff_model.h"

#include <algorithm>
#include <cstdlib>

namespace memtrace::report {

namespace {

uint64_t magnitude(int64_t v) { return v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v); }

int64_t scoreOf(const StackMetrics& b, const StackMetrics& h)
{
    int64_t best = 0;
    for (int64_t d : {signedDelta(b.peakBytes, h.peakBytes), signedDelta(b.leakedBytes, h.leakedBytes),
                      signedDelta(b.allocatedBytes, h.allocatedBytes)}) {
        if (magnitude(d) > magnitude(best)) best = d;
    }
    return best != 0 ? best : signedDelta(b.allocations, h.allocations);
}

bool passes(uint64_t base, uint64_t head, uint64_t minChange, double minPct)
{
    const uint64_t change = magnitude(signedDelta(base, head));
    if (change == 0 || change < minChange) return false;
    return base == 0 || static_cast<long double>(change) * 100.0L >= static_cast<long double>(minPct) * static_cast<long double>(base);
}

bool significant(const DiffRow& row, const DiffOptions& o)
{
    const StackMetrics& b = row.base;
    const StackMetrics& h = row.head;
    if (passes(b.peakBytes, h.peakBytes, o.minChange, o.minChangePct)) return true;
    if (passes(b.leakedBytes, h.leakedBytes, o.minChange, o.minChangePct)) return true;
    if (passes(b.allocatedBytes, h.allocatedBytes, o.minChange, o.minChangePct)) return true;
    return o.minChange == 0 && passes(b.allocations, h.allocations, 0, o.minChangePct);
}

void fillSection(DiffSection& section, std::vector<size_t> candidates, const std::vector<DiffRow>& rows, size_t top)
{
    std::stable_sort(candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
        return magnitude(rows[a].score) > magnitude(rows[b].score);  // rows are sorted by key already
    });
    section.total = candidates.size();
    if (candidates.size() > top) candidates.resize(top);
    section.rows = std::move(candidates);
}

}  // namespace

bool StackDiff::identical() const
{
    return std::all_of(rows.begin(), rows.end(), [](const DiffRow& r) { return r.status == DiffStatus::Unchanged; });
}

bool StackDiff::anyRuleFailed() const
{
    return std::any_of(rules.begin(), rules.end(), [](const RuleResult& r) { return r.failed; });
}

StackDiff diffProfiles(const CaptureProfile& base, const CaptureProfile& head, const DiffOptions& options,
                       const std::vector<FailRule>& rules)
{
    StackDiff diff;
    diff.options = options;
    diff.base = base.totals;
    diff.head = head.totals;

    // Both stack lists are sorted by key: one merge pass.
    size_t i = 0, j = 0;
    while (i < base.stacks.size() || j < head.stacks.size()) {
        DiffRow row;
        const int order = i < base.stacks.size() && j < head.stacks.size()
                              ? compareKeys(base.stacks[i].key, base.keys, head.stacks[j].key, head.keys)
                              : 0;
        const bool takeBase = j == head.stacks.size() || (i < base.stacks.size() && order <= 0);
        const bool takeHead = i == base.stacks.size() || (j < head.stacks.size() && order >= 0);
        if (takeBase) {
            row.baseStack = i;
            row.base = base.stacks[i].metrics;
            row.frames = base.stacks[i].frames;
        }
        if (takeHead) {
            row.headStack = j;
            row.head = head.stacks[j].metrics;
            row.frames = head.stacks[j].frames;
        }
        if (takeBase && takeHead) {
            ++diff.matched;
            row.status = row.base == row.head ? DiffStatus::Unchanged : DiffStatus::Changed;
        } else {
            row.status = takeHead ? DiffStatus::Added : DiffStatus::Vanished;
        }
        i += takeBase;
        j += takeHead;
        row.score = scoreOf(row.base, row.head);
        row.significant = row.status != DiffStatus::Unchanged && significant(row, options);
        if (row.status != DiffStatus::Unchanged && !row.significant) ++diff.hiddenAsNoise;
        diff.rows.push_back(std::move(row));
    }

    std::vector<size_t> regressions, improvements, added, vanished;
    for (size_t r = 0; r < diff.rows.size(); ++r) {
        const DiffRow& row = diff.rows[r];
        if (!row.significant) continue;
        if (row.status == DiffStatus::Added) added.push_back(r);
        else if (row.status == DiffStatus::Vanished) vanished.push_back(r);
        else if (row.score > 0) regressions.push_back(r);
        else if (row.score < 0) improvements.push_back(r);
        else regressions.push_back(r);  // only temporary/blocks changed: still a change to show
    }
    fillSection(diff.regressions, std::move(regressions), diff.rows, options.top);
    fillSection(diff.improvements, std::move(improvements), diff.rows, options.top);
    fillSection(diff.added, std::move(added), diff.rows, options.top);
    fillSection(diff.vanished, std::move(vanished), diff.rows, options.top);

    for (const FailRule& rule : rules) diff.rules.push_back(evaluateRule(rule, diff.base, diff.head));
    return diff;
}

std::vector<size_t> shownRows(const StackDiff& diff, bool all)
{
    std::vector<size_t> rows;
    if (all) {
        for (size_t r = 0; r < diff.rows.size(); ++r) rows.push_back(r);
        return rows;
    }
    for (const DiffSection* section : {&diff.regressions, &diff.improvements, &diff.added, &diff.vanished})
        rows.insert(rows.end(), section->rows.begin(), section->rows.end());
    return rows;
}

RowStack rowStack(const DiffRow& row)
{
    return row.headStack != DiffRow::kAbsent ? RowStack{1, row.headStack} : RowStack{0, row.baseStack};
}

void attachFrames(StackDiff& diff, const std::vector<size_t>& rows,
                  const std::function<std::vector<reader::SourceFrame>(int profile, size_t stack)>& framesOf)
{
    for (size_t r : rows) {
        const RowStack from = rowStack(diff.rows[r]);
        diff.rows[r].frames = framesOf(from.profile, from.stack);
    }
}

}  // namespace memtrace::report
