// `memtrace diff [options] BASE HEAD`: what changed between two captures (docs/DIFF.md).
//
// Exit status: 0 when every --fail-if rule passed (or there were none), 1 when a rule failed
// (each failed rule is named on stderr), 2 on bad input: a malformed option or rule, or a
// capture with nothing readable. A truncated capture is compared with a warning.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "reader/capture_loader.h"
#include "reader/marker_window.h"
#include "reader/symbolizer.h"
#include "report/diff_model.h"
#include "report/diff_render.h"
#include "report/diff_rules.h"

namespace memtrace::cli {

namespace {

struct DiffCommandOptions {
    std::string base;
    std::string head;
    std::string format = "text";
    std::string output;
    std::string match = "function";
    std::string minChange = "0";
    double minChangePct = 0;
    size_t top = 10;
    std::vector<std::string> failIf;
    reader::MarkerWindow window;  // --from/--to: the same window on both sides (docs/CONTROL.md)
};

struct LoadedSide {
    bool ok = false;
    std::string error;  // one line, when !ok
    std::vector<std::string> warnings;
    report::CaptureProfile profile;
    // Kept for the frames of the rows shown (report::framesOf); the symbolizer refers to the
    // model's stacks, so both stay where they were made.
    std::unique_ptr<reader::CaptureModel> model;
    std::unique_ptr<reader::Symbolizer> symbolizer;
};

// Loads, symbolizes and profiles one capture; runs on its own thread (the two sides share
// nothing: each has its own model and symbolizer).
LoadedSide loadSide(const std::string& path, report::DiffMatch match, const reader::MarkerWindow& window)
{
    LoadedSide side;
    try {
        side.model = std::make_unique<reader::CaptureModel>();
        reader::CaptureModel& model = *side.model;
        reader::StreamResult read;
        std::string windowError;
        if (!reader::loadCaptureWindow(path, window, model, read, windowError) && read.usable()) {
            side.error = windowError;
            return side;
        }
        if (!read.usable()) {
            side.error = path + ": " + (read.outcome == reader::StreamResult::Outcome::Corrupt
                                            ? "corrupt at byte " + std::to_string(read.stopOffset) + ", nothing readable: " + read.message
                                            : read.message);
            return side;
        }
        side.symbolizer = std::make_unique<reader::Symbolizer>(model.stacks());
        reader::Symbolizer& symbolizer = *side.symbolizer;
        side.profile = report::profileCapture(path, model, read, symbolizer, match);
        if (side.profile.totals.truncated)
            side.warnings.push_back(path + ": capture " + (read.outcome == reader::StreamResult::Outcome::Corrupt ? "corrupt" : "truncated") +
                                    "; comparing the events that were read");
        for (const std::string& w : symbolizer.warnings()) side.warnings.push_back(w);
        side.ok = true;
    } catch (const std::exception& e) {
        side.error = path + ": " + e.what();
    }
    return side;
}

bool writeOutput(const std::string& path, const std::string& text)
{
    if (path.empty() || path == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return std::fflush(stdout) == 0;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    return static_cast<bool>(out);
}

int runDiff(const DiffCommandOptions& o)
{
    std::vector<report::FailRule> rules;
    for (const std::string& text : o.failIf) {
        std::string error;
        std::optional<report::FailRule> rule = report::parseFailRule(text, error);
        if (!rule) {
            std::fprintf(stderr, "memtrace: bad --fail-if '%s': %s\n", text.c_str(), error.c_str());
            return kExitBadInput;
        }
        rules.push_back(std::move(*rule));
    }
    report::DiffOptions options;
    const std::optional<uint64_t> minChange = report::parseSize(o.minChange);
    if (!minChange) {
        std::fprintf(stderr, "memtrace: bad --min-change '%s': expected bytes, e.g. 4096 or 64KiB\n", o.minChange.c_str());
        return kExitBadInput;
    }
    options.minChange = *minChange;
    options.minChangePct = o.minChangePct;
    options.top = o.top;
    options.match = o.match == "line" ? report::DiffMatch::Line : o.match == "leaf" ? report::DiffMatch::Leaf : report::DiffMatch::Function;

    auto baseFuture = std::async(std::launch::async, loadSide, o.base, options.match, o.window);
    LoadedSide head = loadSide(o.head, options.match, o.window);
    LoadedSide base = baseFuture.get();
    bool usable = true;
    for (const LoadedSide* side : {&base, &head}) {
        for (const std::string& w : side->warnings) std::fprintf(stderr, "memtrace: warning: %s\n", w.c_str());
        if (!side->ok) {
            // Both sides can fail the same way (one capture given twice, a marker in neither).
            if (side == &head && !base.ok && base.error == head.error) continue;
            std::fprintf(stderr, "memtrace: %s\n", side->error.c_str());
            usable = false;
        }
    }
    if (!usable) return kExitBadInput;

    report::StackDiff diff = report::diffProfiles(base.profile, head.profile, options, rules);
    auto framesOf = [&](int profile, size_t stack) {
        const LoadedSide& side = profile == 0 ? base : head;
        return report::framesOf(side.profile.stacks[stack], *side.model, *side.symbolizer);
    };
    report::attachFrames(diff, report::shownRows(diff, false), framesOf);
    std::string text;
    if (o.format == "markdown") text = report::diffMarkdown(diff);
    else if (o.format == "json") text = report::diffJson(diff).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    else if (o.format == "html")  // every row is drawn: frames made one row at a time
        text = report::diffHtml(diff, [&](const report::DiffRow& row) {
            const report::RowStack from = report::rowStack(row);
            return framesOf(from.profile, from.stack);
        });
    else text = report::diffText(diff);
    if (!writeOutput(o.output, text)) {
        std::fprintf(stderr, "memtrace: cannot write %s\n", o.output.empty() ? "to stdout" : o.output.c_str());
        return kExitBadInput;
    }
    for (const report::RuleResult& r : diff.rules)
        if (r.failed) std::fprintf(stderr, "memtrace: rule failed: %s: %s\n", r.rule.text.c_str(), report::ruleObservation(r).c_str());
    return diff.anyRuleFailed() ? 1 : 0;
}

}  // namespace

CommandAction addDiffCommand(CLI::App& app)
{
    auto options = std::make_shared<DiffCommandOptions>();
    CLI::App* sub = app.add_subcommand("diff", "Compare two captures stack by stack (BASE = before, HEAD = after)");
    sub->add_option("--format", options->format, "Output: text (default), markdown, json, html")
        ->check(CLI::IsMember({"text", "markdown", "json", "html"}));
    sub->add_option("-o,--output", options->output, "Write the report to FILE instead of stdout");
    sub->add_option("--match", options->match, "Match stacks by function names (default), file:line, or the allocating function")
        ->check(CLI::IsMember({"function", "line", "leaf"}));
    sub->add_option("--min-change", options->minChange, "Hide stacks whose metrics changed by fewer bytes (e.g. 4096, 64KiB)");
    sub->add_option("--min-change-pct", options->minChangePct, "Hide stacks whose metrics changed by less than this percentage")
        ->check(CLI::NonNegativeNumber);
    sub->add_option("--top", options->top, "Stacks shown per section (default 10)")->check(CLI::PositiveNumber);
    sub->add_option("--fail-if", options->failIf, "Exit 1 if a total grew beyond a limit, e.g. 'peak>+5%', 'leaked>+0' (repeatable)")
        ->allow_extra_args(false);
    sub->add_option("--from", options->window.from, "Compare only events after this marker, in both captures");
    sub->add_option("--to", options->window.to, "Compare only events before this marker, in both captures");
    sub->add_option("BASE", options->base, "Capture before the change")->required();
    sub->add_option("HEAD", options->head, "Capture after the change")->required();
    return [options]() -> int {
        try {
            return runDiff(*options);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "memtrace: diff: %s\n", e.what());
            return kExitBadInput;
        }
    };
}

}  // namespace memtrace::cli
