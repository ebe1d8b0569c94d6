// `memtrace flamegraph [--metric M] --folded FILE`: folded stacks on stdout, for
// flamegraph.pl, inferno or speedscope. Without --folded: the HTML report (as `memtrace
// report`), opened on metric M.
//
// Metrics (report/html/metrics.h): peak (bytes held at the heap peak), leaked (bytes live at
// exit), allocated (bytes allocated over the run), allocations, temporary (count). The values
// of the folded lines add up to the matching `memtrace summary --json` field.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "command.h"
#include "report/html/folded_stacks.h"
#include "report/html/stack_catalog.h"
#include "report_command.h"

namespace memtrace::cli {

namespace {

struct FlamegraphOptions {
    std::string file;
    std::string output;
    std::string metric = "peak";
    bool folded = false;
};

int runFlamegraph(const FlamegraphOptions& options)
{
    const report::html::Metric metric = *report::html::parseMetric(options.metric);
    if (!options.folded) return writeHtmlReport(options.file, options.output, metric);

    std::unique_ptr<LoadedCapture> loaded = loadForReport(options.file);
    if (!loaded) return kExitBadInput;
    const report::html::StackCatalog catalog(loaded->model, *loaded->symbolizer);
    for (const std::string& warning : loaded->symbolizer->warnings()) std::fprintf(stderr, "memtrace: warning: %s\n", warning.c_str());
    const std::string text = report::html::foldedStacks(catalog, metric);
    std::FILE* out = stdout;
    if (!options.output.empty()) {
        out = std::fopen(options.output.c_str(), "wb");
        if (!out) {
            std::fprintf(stderr, "memtrace: cannot write %s\n", options.output.c_str());
            return kExitBadInput;
        }
    }
    const bool ok = std::fwrite(text.data(), 1, text.size(), out) == text.size();
    if (out != stdout ? std::fclose(out) != 0 || !ok : std::fflush(out) != 0 || !ok) {
        std::fprintf(stderr, "memtrace: cannot write the folded stacks\n");
        return kExitBadInput;
    }
    return 0;
}

}  // namespace

CommandAction addFlamegraphCommand(CLI::App& app)
{
    auto options = std::make_shared<FlamegraphOptions>();
    CLI::App* sub = app.add_subcommand("flamegraph", "Folded stacks (--folded) or the HTML flamegraph report of a capture");
    sub->add_option("--metric", options->metric, "peak | leaked | allocated | allocations | temporary")
        ->check(CLI::IsMember({"peak", "leaked", "allocated", "allocations", "temporary"}));
    sub->add_flag("--folded", options->folded, "Print folded stacks (frame;frame;... value) instead of writing HTML");
    sub->add_option("-o,--output", options->output, "Output file (default: stdout for --folded, else next to the capture)");
    sub->add_option("FILE", options->file, "Capture file")->required();
    return [options]() -> int {
        try {
            return runFlamegraph(*options);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "memtrace: %s: %s\n", options->file.c_str(), e.what());
            return kExitBadInput;
        }
    };
}

}  // namespace memtrace::cli
