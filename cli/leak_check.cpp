#include "leak_check.h"

#include <CLI/CLI.hpp>

#include <cctype>
#include <exception>

#include "command.h"
#include "reader/capture_loader.h"
#include "reader/symbolizer.h"
#include "report/leak_report.h"

namespace memtrace::cli {
namespace {

// "1024", "64KiB", "1.5MiB", "10KB": bytes. Returns false on anything else.
bool parseByteCount(const std::string& text, uint64_t& out)
{
    size_t end = 0;
    double value = 0;
    try {
        value = std::stod(text, &end);
    } catch (const std::exception&) {
        return false;
    }
    if (value < 0) return false;
    std::string unit = text.substr(end);
    for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    double scale = 1;
    if (unit.empty() || unit == "b") scale = 1;
    else if (unit == "k" || unit == "kib") scale = 1024.0;
    else if (unit == "m" || unit == "mib") scale = 1024.0 * 1024;
    else if (unit == "g" || unit == "gib") scale = 1024.0 * 1024 * 1024;
    else if (unit == "kb") scale = 1e3;
    else if (unit == "mb") scale = 1e6;
    else if (unit == "gb") scale = 1e9;
    else return false;
    out = static_cast<uint64_t>(value * scale);
    return true;
}

report::SuppressionList suppressionsFor(const LeakCheckOptions& options)
{
    report::SuppressionList list;
    if (!options.noDefaultSuppressions) list.addBuiltIns();
    for (const std::string& file : options.suppressionFiles) list.addFile(file);
    return list;
}

}  // namespace

void addLeakCheckOptions(CLI::App& sub, LeakCheckOptions& options, bool withFormat)
{
    if (withFormat)
        sub.add_option("--format", options.format, "Output format")
            ->check(CLI::IsMember({"text", "markdown", "json"}))
            ->capture_default_str();
    sub.add_option("--suppressions", options.suppressionFiles, "LeakSanitizer-style suppression file (repeatable)")
        ->allow_extra_args(false);
    sub.add_flag("--no-default-suppressions", options.noDefaultSuppressions,
                 "Do not suppress what the C/C++ runtimes keep until exit");
    sub.add_option("--min-bytes", options.minBytes, "List only leak groups of at least this many bytes");
    sub.add_option("--top", options.top, "List at most this many leak groups (0 = all)");
    sub.add_flag("--fail-on-leak{0}", options.failOnLeak,
                  "Exit with status 23 if unsuppressed leaks exceed BYTES (--fail-on-leak[=BYTES], default 0)");
}

int printSuppressions(const LeakCheckOptions& options)
{
    try {
        const report::SuppressionList list = suppressionsFor(options);
        for (const report::Suppression& s : list.entries())
            std::printf("leak:%s  # %s\n", s.pattern.c_str(), s.origin.c_str());
        return 0;
    } catch (const report::SuppressionFileError& e) {
        std::fprintf(stderr, "memtrace: %s\n", e.what());
        return kExitBadInput;
    }
}

int runLeakCheck(const std::string& file, const LeakCheckOptions& options, std::FILE* out, int statusIfPassed)
{
    uint64_t threshold = 0;
    if (!options.failOnLeak.empty() && !parseByteCount(options.failOnLeak, threshold)) {
        std::fprintf(stderr, "memtrace: --fail-on-leak: '%s' is not a byte count\n", options.failOnLeak.c_str());
        return kExitBadInput;
    }
    report::SuppressionList suppressions;
    try {
        suppressions = suppressionsFor(options);
    } catch (const report::SuppressionFileError& e) {
        std::fprintf(stderr, "memtrace: %s\n", e.what());
        return kExitBadInput;
    }

    reader::CaptureModel model;
    const reader::StreamResult read = reader::loadCapture(file, model);
    if (!read.usable()) {
        std::fprintf(stderr, "memtrace: %s: %s\n", file.c_str(), read.message.c_str());
        return kExitBadInput;
    }
    if (read.outcome != reader::StreamResult::Outcome::Complete)
        std::fprintf(stderr, "memtrace: capture %s at byte %llu; events up to %.6f s were read\n",
                     read.outcome == reader::StreamResult::Outcome::Truncated ? "truncated" : "corrupt",
                     static_cast<unsigned long long>(read.stopOffset), static_cast<double>(model.durationUs()) / 1e6);
    reader::Symbolizer symbolizer(model.stacks());
    const report::LeakReport report =
        report::buildLeakReport(model, read, symbolizer, std::move(suppressions), {options.minBytes, options.top});

    std::string text;
    if (options.format == "json") text = report::leakReportJson(report);
    else if (options.format == "markdown") text = report::leakReportMarkdown(report);
    else text = report::leakReportText(report);
    std::fwrite(text.data(), 1, text.size(), out);
    std::fflush(out);

    const bool failed = !options.failOnLeak.empty() && report.leakedBytes > threshold;
    return failed ? kExitLeaksFound : statusIfPassed;
}

}  // namespace memtrace::cli
