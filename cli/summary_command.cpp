// `memtrace summary [--json] FILE`: the headline numbers of one capture.
//
// Exit status: 0 when anything could be read (a truncated or partly corrupt capture is reported
// with a warning on stderr), 2 when the file is not a capture at all.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include "command.h"
#include "reader/capture_loader.h"
#include "reader/marker_window.h"
#include "reader/symbolizer.h"
#include "report/human_size.h"
#include "report/summary.h"
#include "report/summary_json.h"
#include "report/summary_text.h"

namespace memtrace::cli {

namespace {

struct SummaryOptions {
    std::string file;
    bool json = false;
    reader::MarkerWindow window;  // --from/--to (docs/CONTROL.md)
};

int runSummary(const SummaryOptions& options)
{
    reader::CaptureModel model;
    reader::StreamResult read;
    std::string windowError;
    const bool windowFound = reader::loadCaptureWindow(options.file, options.window, model, read, windowError);
    if (read.usable() && !windowFound) {
        std::fprintf(stderr, "memtrace: %s\n", windowError.c_str());
        return kExitBadInput;
    }
    if (!read.usable()) {
        if (read.outcome == reader::StreamResult::Outcome::Corrupt)
            std::fprintf(stderr, "memtrace: %s: corrupt at byte %llu, nothing readable: %s\n", options.file.c_str(),
                         static_cast<unsigned long long>(read.stopOffset), read.message.c_str());
        else
            std::fprintf(stderr, "memtrace: %s: %s\n", options.file.c_str(), read.message.c_str());
        return kExitBadInput;
    }
    reader::Symbolizer symbolizer(model.stacks());
    const report::Summary summary = report::buildSummary(model, read, symbolizer);

    if (summary.truncated) {
        // Truncation is the expected result of a killed program: the fixed one-line form.
        // Corruption adds what was wrong.
        const std::string where = summary.stopByte ? " at byte " + std::to_string(*summary.stopByte) : std::string();
        const std::string why = summary.corrupt ? " (" + summary.stopReason + ")" : std::string();
        std::fprintf(stderr, "memtrace: capture %s%s; events up to %s s were read%s\n", summary.corrupt ? "corrupt" : "truncated",
                     where.c_str(), report::seconds(summary.durationUs).c_str(), why.c_str());
    }
    for (const std::string& warning : symbolizer.warnings()) std::fprintf(stderr, "memtrace: warning: %s\n", warning.c_str());

    const std::string text = options.json ? report::summaryJson(summary).dump(2) + "\n" : report::summaryText(summary);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

}  // namespace

CommandAction addSummaryCommand(CLI::App& app)
{
    auto options = std::make_shared<SummaryOptions>();
    CLI::App* sub = app.add_subcommand("summary", "Print the headline numbers of a capture");
    sub->add_flag("--json", options->json, "Print JSON instead of text");
    sub->add_option("--from", options->window.from, "Only events after this marker (docs/CONTROL.md)");
    sub->add_option("--to", options->window.to, "Only events before this marker");
    sub->add_option("FILE", options->file, "Capture file")->required();
    return [options]() -> int {
        try {
            return runSummary(*options);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "memtrace: %s: %s\n", options->file.c_str(), e.what());
            return kExitBadInput;
        }
    };
}

}  // namespace memtrace::cli
