#include "leak_report.h"
#include "reader/capture_loader.h"
#include "report_stack.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "human_size.h"
#include "markdown_escape.h"
#include "report_stack.h"
#include "stack_json.h"
#include "terminal_text.h"

namespace memtrace::report {
namespace {

// Blocks of one recorded stack, before symbolization merges stacks with equal symbols.
struct StackLeak {
    uint64_t bytes = 0;
    uint64_t blocks = 0;
    uint64_t firstUs = ~0ull;
    uint64_t lastUs = 0;
    format::AllocatorKind kind{};
};

// The symbolic identity of a stack: functions, files and lines of every frame (inline frames
// included), plus the allocator kind. Addresses play no part.
std::string symbolicKey(const std::vector<reader::SourceFrame>& frames, const std::string& kind)
{
    std::string key = kind;
    for (const auto& f : frames) {
        key += '\x1f';
        key += f.function;
        key += '\x1e';
        key += f.file;
        key += ':';
        key += std::to_string(f.line);
    }
    return key;
}

std::vector<FrameNames> namesOf(const std::vector<reader::SourceFrame>& frames)
{
    std::vector<FrameNames> names;
    names.reserve(frames.size());
    for (const auto& f : frames) names.push_back({f.function, f.file, f.module});
    return names;
}

std::string baseName(const std::string& path)
{
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string leakFrameLine(const reader::SourceFrame& f)
{
    std::string line = terminalSafe(f.function);
    if (!f.file.empty()) line += "  " + terminalSafe(f.file) + ":" + std::to_string(f.line);
    else if (!f.module.empty() && f.resolved) line += "  (" + terminalSafe(baseName(f.module)) + ")";
    if (f.inlined) line += "  (inlined)";
    return line;
}

std::string headline(const LeakReport& r)
{
    std::ostringstream out;
    out << r.leakedBytes << " bytes in " << r.leakedBlocks << " block" << (r.leakedBlocks == 1 ? "" : "s")
        << " leaked in " << r.places << " place" << (r.places == 1 ? "" : "s") << "; " << r.suppressedBytes
        << " bytes suppressed";
    return out.str();
}

std::string foreignMallocNote(const std::string& object)
{
    return "the program's malloc is its own (" + object +
           "): memtrace could not see its allocations, so no leaks of them can be listed";
}

constexpr const char* kSoakNote =
    "soak capture: these are the bytes each stack had live at the end (its last snapshot); "
    "block addresses and ages are not recorded in soak mode";

std::string truncationNote(const LeakReport& r)
{
    return "the capture was cut at " + seconds(r.readUpToUs) +
           " s: blocks still allocated then are listed, so these leaks are provisional";
}

}  // namespace

LeakReport buildLeakReport(const reader::CaptureModel& model, const reader::StreamResult& read,
                           reader::Symbolizer& symbolizer, SuppressionList suppressions, const LeakOptions& options)
{
    LeakReport report;
    if (model.process()) {
        report.program = model.process()->exePath;
        report.foreignMalloc = model.process()->foreignMalloc;
    }
    report.truncated = reader::captureIsCut(model, read);
    report.readUpToUs = model.durationUs();

    // 1. Live blocks by recorded stack and kind.
    std::map<std::pair<uint32_t, uint8_t>, StackLeak> byStack;
    model.heap().liveBlocks().forEach([&](uint64_t, const reader::LiveBlock& block) {
        StackLeak& leak = byStack[{block.stack, static_cast<uint8_t>(block.kind)}];
        leak.bytes += block.size;
        ++leak.blocks;
        leak.firstUs = std::min(leak.firstUs, block.timeUs);
        leak.lastUs = std::max(leak.lastUs, block.timeUs);
        leak.kind = block.kind;
    });
    // A soak capture has no blocks, only what each stack had live at the last snapshot.
    report.soak = model.isSoak();
    report.sampleRate = model.sampleRate();
    if (report.soak) {
        const auto& stats = model.heap().stacks();
        for (const reader::LeakGroup& live : model.leaks()) {
            StackLeak& leak = byStack[{live.stack.value(), static_cast<uint8_t>(live.kind)}];
            leak.bytes += live.bytes;
            leak.blocks += live.blocks;
            leak.kind = live.kind;
            const reader::StackStats& st = stats[live.stack.value()];
            leak.firstUs = std::min(leak.firstUs, st.firstAllocUs);
            leak.lastUs = std::max(leak.lastUs, st.lastAllocUs);
        }
    }

    // 2. Merge recorded stacks that symbolize alike; 3. suppress.
    std::unordered_map<std::string, size_t> groupIndex;
    std::vector<LeakGroup> groups;
    for (const auto& [key, leak] : byStack) {
        std::vector<reader::SourceFrame> frames = reportStack(model.stacks(), symbolizer, reader::StackIndex{key.first});
        const std::string kind = format::allocatorKindName(leak.kind);
        const std::string symbolic = symbolicKey(frames, kind);
        auto [it, inserted] = groupIndex.emplace(symbolic, groups.size());
        if (inserted) {
            LeakGroup group;
            group.kind = kind;
            group.firstAllocUs = leak.firstUs;
            group.stack = std::move(frames);
            groups.push_back(std::move(group));
        }
        LeakGroup& group = groups[it->second];
        group.bytes += leak.bytes;
        group.blocks += leak.blocks;
        group.firstAllocUs = std::min(group.firstAllocUs, leak.firstUs);
        group.lastAllocUs = std::max(group.lastAllocUs, leak.lastUs);
    }

    std::vector<LeakGroup> kept;
    for (LeakGroup& group : groups) {
        const int match = suppressions.match(namesOf(group.stack));
        if (match >= 0) {
            suppressions.recordMatch(match, group.bytes, group.blocks);
            report.suppressedBytes += group.bytes;
            report.suppressedBlocks += group.blocks;
            continue;
        }
        report.leakedBytes += group.bytes;
        report.leakedBlocks += group.blocks;
        ++report.places;
        kept.push_back(std::move(group));
    }
    std::sort(kept.begin(), kept.end(), [](const LeakGroup& a, const LeakGroup& b) {
        if (a.bytes != b.bytes) return a.bytes > b.bytes;
        if (a.blocks != b.blocks) return a.blocks > b.blocks;
        return a.firstAllocUs < b.firstAllocUs;
    });
    for (LeakGroup& group : kept) {
        const bool listed = group.bytes >= options.minBytes && (options.top == 0 || report.groups.size() < options.top);
        if (listed) report.groups.push_back(std::move(group));
        else ++report.hiddenGroups;
    }
    report.suppressions = suppressions.entries();
    return report;
}

std::string leakReportText(const LeakReport& r)
{
    std::ostringstream out;
    out << "memtrace leaks: " << terminalSafe(r.program) << "\n" << headline(r) << "\n";
    if (r.truncated) out << "warning: " << truncationNote(r) << "\n";
    if (!r.foreignMalloc.empty()) out << "warning: " << foreignMallocNote(terminalSafe(r.foreignMalloc)) << "\n";
    if (r.soak) out << "note: " << kSoakNote << "\n";
    if (r.sampleRate) out << "note: estimated (sampled 1 in " << r.sampleRate << " bytes)\n";
    size_t n = 0;
    for (const LeakGroup& g : r.groups) {
        out << "\n#" << ++n << " " << humanSize(g.bytes) << " in " << g.blocks << " block" << (g.blocks == 1 ? "" : "s")
            << ", " << g.kind << ", allocated from " << seconds(g.firstAllocUs) << " s to " << seconds(g.lastAllocUs)
            << " s\n";
        for (const auto& f : g.stack) out << "    " << leakFrameLine(f) << "\n";
    }
    if (r.hiddenGroups) out << "\n(" << r.hiddenGroups << " smaller places not listed: --min-bytes / --top)\n";
    bool anyMatched = false;
    for (const Suppression& s : r.suppressions) anyMatched |= s.matchedGroups > 0;
    if (anyMatched) {
        out << "\nsuppressed:\n";
        for (const Suppression& s : r.suppressions) {
            if (s.matchedGroups == 0) continue;
            out << "  " << s.matchedGroups << "x " << s.matchedBytes << " bytes in " << s.matchedBlocks << " blocks  leak:"
                << s.pattern << "  (" << s.origin << ")\n";
        }
    }
    return out.str();
}

std::string leakReportMarkdown(const LeakReport& r)
{
    std::ostringstream out;
    out << "## Memory leaks: " << markdownCodeSpan(baseName(r.program)) << "\n\n**" << headline(r) << "**\n\n";
    if (r.truncated) out << "> **Warning:** " << truncationNote(r) << ".\n\n";
    if (!r.foreignMalloc.empty())
        out << "> **Warning:** " << foreignMallocNote(markdownCodeSpan(r.foreignMalloc)) << ".\n\n";
    if (r.soak) out << "> **Note:** " << kSoakNote << ".\n\n";
    if (r.sampleRate) out << "> **Note:** estimated (sampled 1 in " << r.sampleRate << " bytes).\n\n";
    if (!r.groups.empty()) {
        out << "| # | bytes | blocks | kind | allocated in |\n|---:|---:|---:|---|---|\n";
        size_t n = 0;
        for (const LeakGroup& g : r.groups) {
            const std::string where = stackLabel(g.stack, "?");
            out << "| " << ++n << " | " << g.bytes << " | " << g.blocks << " | " << markdownText(g.kind) << " | "
                << markdownText(where) << " |\n";
        }
        out << "\n";
        n = 0;
        for (const LeakGroup& g : r.groups) {
            std::string body;
            for (const auto& f : g.stack) body += markdownOneLine(leakFrameLine(f)) + "\n";
            out << "<details><summary>#" << ++n << " " << humanSize(g.bytes) << " in " << g.blocks << " block"
                << (g.blocks == 1 ? "" : "s") << "</summary>\n\n" << markdownFencedBlock(body) << "\n</details>\n\n";
        }
    }
    if (r.hiddenGroups) out << "_" << r.hiddenGroups << " smaller places not listed._\n\n";
    bool anyMatched = false;
    for (const Suppression& s : r.suppressions) anyMatched |= s.matchedGroups > 0;
    if (anyMatched) {
        out << "| suppression | matched | bytes | origin |\n|---|---:|---:|---|\n";
        for (const Suppression& s : r.suppressions) {
            if (s.matchedGroups == 0) continue;
            out << "| " << markdownText("leak:" + s.pattern) << " | " << s.matchedGroups << " | " << s.matchedBytes << " | "
                << markdownText(s.origin) << " |\n";
        }
    }
    return out.str();
}

std::string leakReportJson(const LeakReport& r)
{
    nlohmann::json j;
    j["program"] = r.program;
    j["leaked_bytes"] = r.leakedBytes;
    j["leaked_blocks"] = r.leakedBlocks;
    j["places"] = r.places;
    j["suppressed_bytes"] = r.suppressedBytes;
    j["suppressed_blocks"] = r.suppressedBlocks;
    j["truncated"] = r.truncated;
    j["foreign_malloc"] = r.foreignMalloc.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.foreignMalloc);
    j["sample_rate_bytes"] = r.sampleRate;  // 0: exact; else estimates (docs/SAMPLING.md)
    j["soak"] = r.soak;  // true: groups are stacks live at the last snapshot, not blocks
    j["groups"] = nlohmann::json::array();
    for (const LeakGroup& g : r.groups) {
        nlohmann::json group{{"bytes", g.bytes},
                             {"blocks", g.blocks},
                             {"kind", g.kind},
                             {"first_alloc_s", static_cast<double>(g.firstAllocUs) / 1e6},
                             {"last_alloc_s", static_cast<double>(g.lastAllocUs) / 1e6}};
        group["stack"] = framesJson(g.stack);
        j["groups"].push_back(std::move(group));
    }
    j["suppressions"] = nlohmann::json::array();
    for (const Suppression& s : r.suppressions)
        j["suppressions"].push_back({{"pattern", s.pattern},
                                     {"origin", s.origin},
                                     {"built_in", s.builtIn},
                                     {"matched", s.matchedGroups},
                                     {"bytes", s.matchedBytes},
                                     {"blocks", s.matchedBlocks}});
    // nlohmann escapes control characters and quotes; "<" stays literal, which is valid JSON.
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace memtrace::report
