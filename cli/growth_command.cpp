// `memtrace growth [--skip 5m] [--top N] [--format text|markdown|json] FILE`: stacks ranked by
// steady growth of live bytes (docs/SOAK.md). Works on full and soak captures.
//
// Exit status: 0 when anything could be read, 2 for bad input (not a capture, bad --skip).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include "command.h"
#include "duration_arg.h"
#include "reader/capture_loader.h"
#include "reader/symbolizer.h"
#include "report/growth_report.h"
#include "report/growth_series.h"

namespace memtrace::cli {
namespace {

struct GrowthOptions {
    std::string file;
    std::string skip = "0";
    std::string format = "text";
    size_t top = 10;
    uint32_t points = 200;
};

int runGrowth(const GrowthOptions& options)
{
    const auto skipMs = parseDurationMs(options.skip);
    if (!skipMs) {
        std::fprintf(stderr, "memtrace growth: bad --skip '%s' (use e.g. 30s, 5m, 1h)\n", options.skip.c_str());
        return kExitBadInput;
    }
    reader::CaptureModel model;
    const reader::StreamResult read = reader::loadCapture(options.file, model);
    if (!read.usable()) {
        std::fprintf(stderr, "memtrace: %s: %s\n", options.file.c_str(), read.message.c_str());
        return kExitBadInput;
    }
    const uint64_t skipUs = *skipMs * 1000;
    if (skipUs >= model.durationUs()) {
        std::fprintf(stderr, "memtrace growth: --skip %s leaves nothing of a %.3f s capture\n", options.skip.c_str(),
                     static_cast<double>(model.durationUs()) / 1e6);
        return kExitBadInput;
    }
    const report::GrowthSamples samples = report::sampleGrowth(options.file, model.durationUs(), skipUs, options.points);
    reader::Symbolizer symbolizer(model.stacks());
    const report::GrowthReport growth =
        report::buildGrowthReport(model, reader::captureIsCut(model, read), samples, symbolizer, skipUs, options.top);
    if (growth.truncated) std::fprintf(stderr, "memtrace: capture truncated; read up to %.6f s\n", model.durationUs() / 1e6);
    std::string text;
    if (options.format == "json") text = report::growthJson(growth).dump(2) + "\n";
    else if (options.format == "markdown") text = report::growthMarkdown(growth);
    else text = report::growthText(growth);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

}  // namespace

CommandAction addGrowthCommand(CLI::App& app)
{
    auto options = std::make_shared<GrowthOptions>();
    CLI::App* sub = app.add_subcommand("growth", "Rank stacks by steady growth of live bytes (soak tests)");
    sub->add_option("--skip", options->skip, "Warm-up to ignore at the start (e.g. 30s, 5m)");
    sub->add_option("--top", options->top, "Stacks to list")->check(CLI::Range(1, 100000))->capture_default_str();
    sub->add_option("--points", options->points, "Samples over the run for full captures")
        ->check(CLI::Range(3, 10000))
        ->capture_default_str();
    sub->add_option("--format", options->format, "text | markdown | json")
        ->check(CLI::IsMember({"text", "markdown", "json"}))
        ->capture_default_str();
    sub->add_option("FILE", options->file, "Capture file")->required();
    return [options]() -> int {
        try {
            return runGrowth(*options);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "memtrace: %s: %s\n", options->file.c_str(), e.what());
            return kExitBadInput;
        }
    };
}

}  // namespace memtrace::cli
