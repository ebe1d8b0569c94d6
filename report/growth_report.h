// `memtrace growth` (docs/SOAK.md): stacks ranked by steady growth of their live bytes.
//
// Each stack's live bytes are sampled over the run (growth_series.h); a least-squares line
// gives the slope in bytes per hour and R^2 says how straight it is. Stacks are ranked by
// slope x R^2 ("steady slope"): a cache that grows a little all the time ranks above one
// that jumps up and down by more, which is what a soak test wants to find. Only stacks with
// a positive slope are listed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reader/capture_model.h"
#include "reader/symbolizer.h"
#include "growth_series.h"

namespace memtrace::report {

struct GrowthRow {
    uint32_t stack = 0;  // StackIndex value
    std::string kind;
    double slopePerHour = 0;  // bytes per hour
    double r2 = 0;
    double grewFraction = 0;
    double score = 0;         // slope x R^2
    uint64_t firstBytes = 0, lastBytes = 0, maxBytes = 0;
    std::vector<reader::SourceFrame> frames;
};

struct GrowthReport {
    std::string program;
    bool soak = false;
    bool truncated = false;
    uint64_t durationUs = 0;
    uint64_t skipUs = 0;
    uint64_t samples = 0;
    uint64_t firstSampleUs = 0, lastSampleUs = 0;
    uint64_t snapshotIntervalUs = 0;  // soak: mean interval
    Trend heap;
    std::vector<GrowthRow> rows;  // best first, at most `top`
    size_t growingStacks = 0;     // all stacks with a positive slope
};

GrowthReport buildGrowthReport(const reader::CaptureModel& model, bool truncated, const GrowthSamples& samples,
                               reader::Symbolizer& symbolizer, uint64_t skipUs, size_t top);

std::string growthText(const GrowthReport& report);
std::string growthMarkdown(const GrowthReport& report);
nlohmann::json growthJson(const GrowthReport& report);

}  // namespace memtrace::report
