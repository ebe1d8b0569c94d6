#include "growth_report.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>

#include "human_size.h"
#include "markdown_escape.h"
#include "report_stack.h"
#include "stack_json.h"
#include "terminal_text.h"

namespace memtrace::report {

GrowthReport buildGrowthReport(const reader::CaptureModel& model, bool truncated, const GrowthSamples& samples,
                               reader::Symbolizer& symbolizer, uint64_t skipUs, size_t top)
{
    GrowthReport g;
    if (model.process()) g.program = model.process()->exePath;
    g.soak = samples.soak;
    g.truncated = truncated;
    g.durationUs = model.durationUs();
    g.skipUs = skipUs;
    g.samples = samples.timesUs.size();
    if (!samples.timesUs.empty()) {
        g.firstSampleUs = samples.timesUs.front();
        g.lastSampleUs = samples.timesUs.back();
    }
    g.snapshotIntervalUs = model.snapshots().intervalUs();
    g.heap = samples.heap;

    const auto& stats = model.heap().stacks();
    std::vector<GrowthRow> rows;
    for (uint32_t s = 0; s < samples.stacks.size(); ++s) {
        const Trend& t = samples.stacks[s];
        // A stack that ends no higher than it started did not grow, whatever its slope: a
        // bounded cache filled mid-run and freed at exit has a positive slope and R^2 ~0.
        if (t.n < 3 || t.slopePerHour() <= 0 || t.last <= t.first) continue;
        GrowthRow row;
        row.stack = s;
        row.slopePerHour = t.slopePerHour();
        row.r2 = t.r2();
        row.grewFraction = t.grewFraction();
        row.score = row.slopePerHour * row.r2;
        row.firstBytes = t.first;
        row.lastBytes = t.last;
        row.maxBytes = t.max;
        row.kind = s < stats.size() ? format::allocatorKindName(stats[s].kind) : "unknown";
        rows.push_back(std::move(row));
    }
    g.growingStacks = rows.size();
    std::sort(rows.begin(), rows.end(), [](const GrowthRow& a, const GrowthRow& b) {
        return a.score != b.score ? a.score > b.score : a.stack < b.stack;
    });
    if (rows.size() > top) rows.resize(top);
    for (GrowthRow& row : rows) row.frames = reportStack(model.stacks(), symbolizer, reader::StackIndex{row.stack});
    g.rows = std::move(rows);
    return g;
}

namespace {

std::string perHour(double bytesPerHour)
{
    const double magnitude = std::fabs(bytesPerHour);
    std::string text = scaledSize(static_cast<uint64_t>(std::llround(magnitude)));
    return (bytesPerHour < 0 ? "-" : "+") + text + "/h";
}

std::string fixed(double v, int decimals)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
    return buffer;
}

std::string percent(double fraction) { return fixed(fraction * 100.0, 0) + "%"; }

std::string frameText(const reader::SourceFrame& f)
{
    std::string text = terminalSafe(f.function);
    if (!f.file.empty()) text += " (" + terminalSafe(f.file) + (f.line ? ":" + std::to_string(f.line) : "") + ")";
    if (f.inlined) text += " [inlined]";
    return text;
}

std::string sampling(const GrowthReport& g)
{
    std::string s = std::to_string(g.samples) + (g.soak ? " snapshots" : " samples") + " from " + seconds(g.firstSampleUs) +
                    " s to " + seconds(g.lastSampleUs) + " s";
    if (g.soak) s += " (soak capture, a snapshot every ~" + seconds(g.snapshotIntervalUs) + " s)";
    else s += " (full capture, live bytes at evenly spaced times)";
    if (g.skipUs) s += ", first " + seconds(g.skipUs) + " s skipped as warm-up";
    return s;
}

}  // namespace

std::string growthText(const GrowthReport& g)
{
    std::string out = "memtrace growth: " + (g.program.empty() ? std::string("(unknown program)") : terminalSafe(g.program)) + "\n";
    out += "sampled: " + sampling(g) + "\n";
    if (g.truncated) out += "note: the capture was cut; the trend ends where it stops\n";
    if (g.samples < 3) {
        out += "too few samples to fit a trend (need 3; a longer run, a shorter --soak interval or less --skip)\n";
        return out;
    }
    out += "heap: " + scaledSize(g.heap.first) + " -> " + scaledSize(g.heap.last) + ", " + perHour(g.heap.slopePerHour()) +
           " (R^2 " + fixed(g.heap.r2(), 3) + ")\n";
    out += std::to_string(g.growingStacks) + " stack" + (g.growingStacks == 1 ? "" : "s") +
           " with growing live bytes, ranked by slope x R^2\n";
    size_t rank = 0;
    for (const GrowthRow& row : g.rows) {
        out += "\n#" + std::to_string(++rank) + " " + perHour(row.slopePerHour) + "  R^2 " + fixed(row.r2, 3) + "  grew in " +
               percent(row.grewFraction) + " of intervals  live " + scaledSize(row.firstBytes) + " -> " +
               scaledSize(row.lastBytes) + " (max " + scaledSize(row.maxBytes) + ")  " + row.kind + "\n";
        for (const reader::SourceFrame& f : row.frames) out += "    " + frameText(f) + "\n";
        if (row.frames.empty()) out += "    (no stack)\n";
    }
    return out;
}

std::string growthMarkdown(const GrowthReport& g)
{
    std::string out = "## memtrace growth: " + markdownCodeSpan(g.program) + "\n\n";
    out += "Sampled: " + markdownText(sampling(g)) + ".\n\n";
    if (g.truncated) out += "> The capture was cut; the trend ends where it stops.\n\n";
    if (g.samples < 3) return out + "Too few samples to fit a trend.\n";
    out += "Heap: " + scaledSize(g.heap.first) + " → " + scaledSize(g.heap.last) + ", " + perHour(g.heap.slopePerHour()) +
           " (R² " + fixed(g.heap.r2(), 3) + ").\n\n";
    out += "| # | growth | R² | grew | live first → last | kind | where |\n|---|---|---|---|---|---|---|\n";
    size_t rank = 0;
    for (const GrowthRow& row : g.rows) {
        const std::string where = row.frames.empty() ? std::string("(no stack)") : frameText(row.frames.front());
        out += "| " + std::to_string(++rank) + " | " + perHour(row.slopePerHour) + " | " + fixed(row.r2, 3) + " | " +
               percent(row.grewFraction) + " | " + scaledSize(row.firstBytes) + " → " + scaledSize(row.lastBytes) + " | " +
               markdownText(row.kind) + " | " + markdownCodeSpan(where) + " |\n";
    }
    return out;
}

nlohmann::json growthJson(const GrowthReport& g)
{
    nlohmann::json rows = nlohmann::json::array();
    for (const GrowthRow& row : g.rows) {
        rows.push_back({{"stack", row.stack},
                        {"kind", row.kind},
                        {"slope_bytes_per_hour", row.slopePerHour},
                        {"r2", row.r2},
                        {"grew_fraction", row.grewFraction},
                        {"score", row.score},
                        {"first_bytes", row.firstBytes},
                        {"last_bytes", row.lastBytes},
                        {"max_bytes", row.maxBytes},
                        {"frames", framesJson(row.frames)}});
    }
    return {{"program", g.program},
            {"soak", g.soak},
            {"truncated", g.truncated},
            {"duration_us", g.durationUs},
            {"skip_us", g.skipUs},
            {"samples", g.samples},
            {"first_sample_us", g.firstSampleUs},
            {"last_sample_us", g.lastSampleUs},
            {"heap", {{"first_bytes", g.heap.first}, {"last_bytes", g.heap.last}, {"slope_bytes_per_hour", g.heap.slopePerHour()},
                      {"r2", g.heap.r2()}}},
            {"growing_stacks", g.growingStacks},
            {"stacks", rows}};
}

}  // namespace memtrace::report
