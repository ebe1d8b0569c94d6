// The leak report: blocks still allocated when the capture ends, grouped by *symbolic* stack
// (same functions, files and lines whatever the addresses), with suppressions applied.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leak_suppressions.h"
#include "reader/capture_model.h"
#include "reader/capture_stream.h"
#include "reader/symbolizer.h"

namespace memtrace::report {

struct LeakGroup {
    uint64_t bytes = 0;
    uint64_t blocks = 0;
    std::string kind;  // allocator kind name of the group's blocks
    uint64_t firstAllocUs = 0;
    uint64_t lastAllocUs = 0;
    std::vector<reader::SourceFrame> stack;  // trimmed, inline frames expanded, innermost first
};

struct LeakOptions {
    uint64_t minBytes = 0;  // groups below this are left out of the listing (not of the totals)
    size_t top = 0;         // 0 = all groups
};

struct LeakReport {
    std::string program;
    uint64_t leakedBytes = 0;    // unsuppressed
    uint64_t leakedBlocks = 0;
    uint64_t places = 0;         // unsuppressed groups
    uint64_t suppressedBytes = 0;
    uint64_t suppressedBlocks = 0;
    std::vector<LeakGroup> groups;  // unsuppressed, largest first, after minBytes/top
    std::vector<Suppression> suppressions;  // with match counts
    bool truncated = false;      // capture cut: leaks are provisional
    bool soak = false;           // soak capture: the stacks live at the last snapshot (docs/SOAK.md)
    uint64_t readUpToUs = 0;
    uint64_t hiddenGroups = 0;   // left out by minBytes/top
    uint64_t sampleRate = 0;     // byte-sampled capture: numbers are estimates (docs/SAMPLING.md)
    std::string foreignMalloc;   // the program's own malloc: its leaks cannot be seen
};

LeakReport buildLeakReport(const reader::CaptureModel& model, const reader::StreamResult& read,
                           reader::Symbolizer& symbolizer, SuppressionList suppressions, const LeakOptions& options);

std::string leakReportText(const LeakReport& report);
std::string leakReportMarkdown(const LeakReport& report);
std::string leakReportJson(const LeakReport& report);

}  // namespace memtrace::report
