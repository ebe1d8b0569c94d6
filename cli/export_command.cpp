// `memtrace export --format pprof|folded|speedscope|massif|csv [--metric M] [-o OUT] FILE`:
// the capture in formats other tools read (docs/EXPORTS.md). Output goes to stdout unless -o.
//
// Everything comes from the CaptureModel's public API (heap per stack, timeline, module maps),
// so soak captures export like full ones once the model is filled from their snapshots.
// Exit status: 0 written, 2 bad input (unreadable capture, bad option, unwritable output).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include "command.h"
#include "report/export/massif_export.h"
#include "report/export/pprof_export.h"
#include "report/export/speedscope_export.h"
#include "report/export/timeline_csv.h"
#include "report/html/folded_stacks.h"
#include "report/html/stack_catalog.h"
#include "report_command.h"

namespace memtrace::cli {

namespace {

struct ExportOptions {
    std::string file;
    std::string output;
    std::string format;
    std::optional<std::string> metric;  // folded / speedscope only; default "peak"
    reader::MarkerWindow window;        // --from/--to markers (docs/CONTROL.md)
};

std::string baseName(const std::string& path)
{
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool writeAll(const std::string& path, const std::string& data)
{
    std::FILE* out = path.empty() ? stdout : std::fopen(path.c_str(), "wb");
    if (!out) return false;
    const bool ok = std::fwrite(data.data(), 1, data.size(), out) == data.size();
    return (out != stdout ? std::fclose(out) == 0 : std::fflush(out) == 0) && ok;
}

int runExport(const ExportOptions& options)
{
    const bool usesMetric = options.format == "folded" || options.format == "speedscope";
    if (options.metric && !usesMetric) {
        std::fprintf(stderr, "memtrace: --metric applies to --format folded and speedscope only\n");
        return kExitBadInput;
    }
    const report::html::Metric metric = *report::html::parseMetric(options.metric.value_or("peak"));

    std::unique_ptr<LoadedCapture> loaded = loadForReport(options.file, options.window);
    if (!loaded) return kExitBadInput;
    const reader::CaptureModel& model = loaded->model;
    reader::Symbolizer& symbolizer = *loaded->symbolizer;

    std::string data;
    if (options.format == "pprof") {
        data = report::exporter::gzip(report::exporter::pprofProfile(model, symbolizer));
    } else if (options.format == "csv") {
        data = report::exporter::timelineCsv(model.timeline());
    } else {
        const report::html::StackCatalog catalog(model, symbolizer);
        if (options.format == "folded")
            data = report::html::foldedStacks(catalog, metric);
        else if (options.format == "speedscope")
            data = report::exporter::speedscopeJson(catalog, metric, baseName(options.file), "memtrace " MEMTRACE_VERSION);
        else
            data = report::exporter::massifOut(model, catalog);
    }
    for (const std::string& warning : symbolizer.warnings()) std::fprintf(stderr, "memtrace: warning: %s\n", warning.c_str());
    if (!writeAll(options.output, data)) {
        std::fprintf(stderr, "memtrace: cannot write %s\n", options.output.empty() ? "to stdout" : options.output.c_str());
        return kExitBadInput;
    }
    return 0;
}

}  // namespace

CommandAction addExportCommand(CLI::App& app)
{
    auto options = std::make_shared<ExportOptions>();
    CLI::App* sub = app.add_subcommand("export", "Write a capture in another tool's format: pprof, folded, speedscope, massif, csv");
    sub->add_option("--format", options->format, "pprof | folded | speedscope | massif | csv")
        ->required()
        ->check(CLI::IsMember({"pprof", "folded", "speedscope", "massif", "csv"}));
    sub->add_option("--metric", options->metric,
                    "For folded and speedscope: peak (default) | leaked | allocated | allocations | temporary")
        ->check(CLI::IsMember({"peak", "leaked", "allocated", "allocations", "temporary"}));
    sub->add_option("-o,--output", options->output, "Output file (default: stdout)");
    sub->add_option("--from", options->window.from, "Only events after this marker (docs/CONTROL.md)");
    sub->add_option("--to", options->window.to, "Only events before this marker");
    sub->add_option("FILE", options->file, "Capture file")->required();
    return [options]() -> int {
        try {
            return runExport(*options);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "memtrace: %s: %s\n", options->file.c_str(), e.what());
            return kExitBadInput;
        }
    };
}

}  // namespace memtrace::cli
