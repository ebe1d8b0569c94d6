// `memtrace report [-o OUT.html] FILE`: the self-contained HTML report (docs/REPORT.md).
// Without -o it is written next to the capture: memtrace.x.123.mtrace -> memtrace.x.123.html.
//
// Exit status: 0 when written, 2 when the capture is unreadable or the output cannot be written.
#include "report_command.h"
#include "reader/capture_loader.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <fstream>

#include "command.h"
#include "report/html/html_page.h"
#include "report/html/report_data.h"
#include "report/human_size.h"

namespace memtrace::cli {

namespace {

std::string defaultOutput(const std::string& capture)
{
    const std::string suffix = ".mtrace";
    const size_t slash = capture.rfind('/');
    if (capture.size() > suffix.size() && capture.ends_with(suffix) &&
        (slash == std::string::npos || capture.size() - suffix.size() > slash + 1))
        return capture.substr(0, capture.size() - suffix.size()) + ".html";
    return capture + ".html";
}

struct ReportOptions {
    std::string file;
    std::string output;
    std::string metric = "peak";
    reader::MarkerWindow window;
};

}  // namespace

std::unique_ptr<LoadedCapture> loadForReport(const std::string& file, const reader::MarkerWindow& window)
{
    auto loaded = std::make_unique<LoadedCapture>();
    std::string windowError;
    const bool windowFound = reader::loadCaptureWindow(file, window, loaded->model, loaded->read, windowError);
    const reader::StreamResult& read = loaded->read;
    if (!read.usable()) {
        if (read.outcome == reader::StreamResult::Outcome::Corrupt)
            std::fprintf(stderr, "memtrace: %s: corrupt at byte %llu, nothing readable: %s\n", file.c_str(),
                         static_cast<unsigned long long>(read.stopOffset), read.message.c_str());
        else
            std::fprintf(stderr, "memtrace: %s: %s\n", file.c_str(), read.message.c_str());
        return nullptr;
    }
    if (!windowFound) {
        std::fprintf(stderr, "memtrace: %s\n", windowError.c_str());
        return nullptr;
    }
    if (reader::captureIsCut(loaded->model, read)) {
        const bool corrupt = read.outcome == reader::StreamResult::Outcome::Corrupt;
        std::fprintf(stderr, "memtrace: capture %s%s; events up to %s s were read%s\n", corrupt ? "corrupt" : "truncated",
                     read.outcome != reader::StreamResult::Outcome::Complete ? (" at byte " + std::to_string(read.stopOffset)).c_str() : "",
                     report::seconds(loaded->model.durationUs()).c_str(), corrupt ? (" (" + read.message + ")").c_str() : "");
    }
    loaded->symbolizer = std::make_unique<reader::Symbolizer>(loaded->model.stacks());
    return loaded;
}

int writeHtmlReport(const std::string& file, const std::string& output, report::html::Metric initialMetric,
                    const reader::MarkerWindow& window)
{
    std::unique_ptr<LoadedCapture> loaded = loadForReport(file, window);
    if (!loaded) return kExitBadInput;
    report::html::ReportOptions options;
    options.initialMetric = initialMetric;
    const nlohmann::json data = report::html::buildReportData(file, loaded->model, loaded->read, *loaded->symbolizer, options);
    for (const std::string& warning : loaded->symbolizer->warnings()) std::fprintf(stderr, "memtrace: warning: %s\n", warning.c_str());
    const std::string page = report::html::renderReportPage(data);

    const std::string path = output.empty() ? defaultOutput(file) : output;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(page.data(), static_cast<std::streamsize>(page.size()));
    out.close();
    if (!out) {
        std::fprintf(stderr, "memtrace: cannot write %s\n", path.c_str());
        return kExitBadInput;
    }
    std::fprintf(stderr, "memtrace: report written to %s (%s)\n", path.c_str(), report::scaledSize(page.size()).c_str());
    return 0;
}

CommandAction addReportCommand(CLI::App& app)
{
    auto options = std::make_shared<ReportOptions>();
    CLI::App* sub = app.add_subcommand("report", "Write a self-contained HTML report of a capture");
    sub->add_option("-o,--output", options->output, "HTML file (default: the capture's name with .html)");
    sub->add_option("--metric", options->metric, "Flamegraph metric shown first")
        ->check(CLI::IsMember({"peak", "leaked", "allocated", "allocations", "temporary"}));
    sub->add_option("--from", options->window.from, "Only events after this marker (docs/CONTROL.md)");
    sub->add_option("--to", options->window.to, "Only events before this marker");
    sub->add_option("FILE", options->file, "Capture file")->required();
    return [options]() -> int {
        try {
            return writeHtmlReport(options->file, options->output, *report::html::parseMetric(options->metric), options->window);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "memtrace: %s: %s\n", options->file.c_str(), e.what());
            return kExitBadInput;
        }
    };
}

}  // namespace memtrace::cli
