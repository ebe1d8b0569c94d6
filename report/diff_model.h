// `memtrace diff BASE HEAD`: two CaptureProfiles joined by stack key, ranked and filtered;
// diff_render.h turns it into text, Markdown, JSON or HTML.
//
// Every key present in either capture becomes a DiffRow. A row's *score* is its largest byte
// change among peak, leaked and allocated (ties in that order), signed; when no byte metric
// changed, its change in allocation count. Rows are then sorted into four sections:
//   regressions   in both captures, score > 0        improvements  in both, score < 0
//   added         only in HEAD                       vanished      only in BASE
// each by |score| descending (then key). Noise control hides a row unless one of its metrics
// changed by at least `minChange` bytes AND by at least `minChangePct` percent of its BASE
// value (a change from 0 always passes the percentage); a change in allocation count alone
// counts only when minChange is 0.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "diff_capture.h"
#include "diff_rules.h"

namespace memtrace::report {

struct DiffOptions {
    DiffMatch match = DiffMatch::Function;
    uint64_t minChange = 0;
    double minChangePct = 0;
    size_t top = 10;  // rows shown per section
};

enum class DiffStatus { Changed, Unchanged, Added, Vanished };

struct DiffRow {
    static constexpr size_t kAbsent = ~size_t{0};
    DiffStatus status{};
    size_t baseStack = kAbsent;  // the key's index in BASE's profile (kAbsent: not in BASE)
    size_t headStack = kAbsent;  // ... in HEAD's
    StackMetrics base;
    StackMetrics head;
    // HEAD's when the key is in HEAD, else BASE's: copied from the profiles, so for profiles
    // read from captures only once attachFrames() has run.
    std::vector<reader::SourceFrame> frames;
    int64_t score = 0;
    bool significant = false;  // passes the noise thresholds
};

struct DiffSection {
    std::vector<size_t> rows;  // indexes into StackDiff::rows, at most options.top
    size_t total = 0;          // significant rows in the section, shown or not
};

struct StackDiff {
    DiffOptions options;
    CaptureTotals base;
    CaptureTotals head;
    std::vector<DiffRow> rows;  // every key of either capture, sorted by key
    DiffSection regressions;
    DiffSection improvements;
    DiffSection added;
    DiffSection vanished;
    size_t matched = 0;        // keys present in both captures
    size_t hiddenAsNoise = 0;  // changed rows below the thresholds
    std::vector<RuleResult> rules;

    bool identical() const;  // no stack changed at all (noise thresholds ignored)
    bool anyRuleFailed() const;
};

inline int64_t signedDelta(uint64_t base, uint64_t head)
{
    return head >= base ? static_cast<int64_t>(head - base) : -static_cast<int64_t>(base - head);
}

StackDiff diffProfiles(const CaptureProfile& base, const CaptureProfile& head, const DiffOptions& options,
                       const std::vector<FailRule>& rules = {});

// The rows a rendering shows: those of the four sections, or every row (`all`: the HTML
// page's graph is drawn to scale from every stack).
std::vector<size_t> shownRows(const StackDiff& diff, bool all);

// Where a row's frames come from: HEAD's stack when the key is in HEAD, else BASE's.
struct RowStack {
    int profile;  // 0 = BASE, 1 = HEAD
    size_t stack;  // index in that profile's stacks
};
RowStack rowStack(const DiffRow& row);

// Gives rows `rows` their frames: framesOf(rowStack(row)).
void attachFrames(StackDiff& diff, const std::vector<size_t>& rows,
                  const std::function<std::vector<reader::SourceFrame>(int profile, size_t stack)>& framesOf);

}  // namespace memtrace::report
