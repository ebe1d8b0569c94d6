// Shared by `memtrace report` and `memtrace flamegraph`: load a capture for a report, with
// the same one-line errors and warnings as `memtrace summary`, and write the HTML report.
#pragma once

#include <memory>
#include <string>

#include "reader/capture_loader.h"
#include "reader/marker_window.h"
#include "reader/symbolizer.h"
#include "report/html/metrics.h"

namespace memtrace::cli {

struct LoadedCapture {
    reader::CaptureModel model;
    reader::StreamResult read;
    std::unique_ptr<reader::Symbolizer> symbolizer;
};

// nullptr (after one line on stderr) when nothing could be read, or when a marker of
// `window` (--from/--to, reader/marker_window.h) is not in the capture.
std::unique_ptr<LoadedCapture> loadForReport(const std::string& file, const reader::MarkerWindow& window = {});

// Writes the HTML report of `file` to `output` ("" = next to the capture). Exit status.
int writeHtmlReport(const std::string& file, const std::string& output, report::html::Metric initialMetric,
                    const reader::MarkerWindow& window = {});

}  // namespace memtrace::cli
