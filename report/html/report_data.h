// Everything the HTML report shows, as one JSON document (the page renders it; the schema is
// described in docs/REPORT.md). Built from a finished CaptureModel plus one more streaming pass
// over the capture for the per-stack history (stack_history.h).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

#include "metrics.h"
#include "reader/capture_model.h"
#include "reader/capture_stream.h"
#include "reader/symbolizer.h"

namespace memtrace::report::html {

struct ReportOptions {
    Metric initialMetric = Metric::Peak;
    size_t trackedStacks = 250;              // stacks followed one by one over time
    size_t maxLifetimeEntries = 400000;      // bound on the time-window data
    size_t leakGroups = 100;                 // leak groups listed with their stacks
    size_t maxFlameNodes = 40000;
    size_t listedThreads = 32;               // threads the thread filter lists one by one
    size_t maxThreadEntries = 400000;        // bound on the thread filter's data
};

nlohmann::json buildReportData(const std::string& capturePath, const reader::CaptureModel& model,
                               const reader::StreamResult& read, reader::Symbolizer& symbolizer,
                               const ReportOptions& options = {});

}  // namespace memtrace::report::html
