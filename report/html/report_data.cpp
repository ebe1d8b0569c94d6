#include "report_data.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "flame_tree.h"
#include "report/report_stack.h"
#include "report/summary.h"
#include "report/summary_json.h"
#include "stack_catalog.h"
#include "stack_history.h"
#include "thread_view.h"

namespace memtrace::report::html {

namespace {

using nlohmann::json;

json timelineJson(const reader::CaptureModel& model)
{
    json t = json::array(), heap = json::array(), rss = json::array(), mmap = json::array();
    for (const reader::TimelineSample& s : model.timeline().samples()) {
        t.push_back(s.timeUs);
        heap.push_back(s.heapMax);
        rss.push_back(s.rssMax ? json(s.rssMax) : json(nullptr));
        mmap.push_back(s.mmapMax);
    }
    return {{"bucket_us", model.timeline().bucketUs()}, {"t", t}, {"heap", heap}, {"rss", rss}, {"mmap", mmap}};
}

json framesJson(const StackCatalog& catalog)
{
    json fn = json::array(), mod = json::array(), loc = json::array();
    for (const CatalogFrame& f : catalog.frames()) {
        fn.push_back(f.function);
        mod.push_back(f.module);
        loc.push_back(f.location);
    }
    return {{"fn", fn}, {"mod", mod}, {"loc", loc}};
}

json treeJson(const FlameTree& tree)
{
    json parent = json::array(), frame = json::array(), values = json::array();
    for (size_t n = 0; n < tree.parent.size(); ++n) {
        parent.push_back(tree.parent[n] == FlameTree::kNoParent ? -1 : static_cast<int64_t>(tree.parent[n]));
        frame.push_back(tree.frame[n]);
    }
    for (size_t m = 0; m < kMetricCount; ++m) {
        json column = json::array();
        for (const MetricValues& v : tree.total) column.push_back(v[m]);
        values.push_back(std::move(column));
    }
    return {{"parent", parent}, {"frame", frame},         {"values", values},
            {"cutoff", tree.cutoff}, {"full_nodes", tree.fullNodes}, {"folded_nodes", tree.foldedNodes}};
}

// Stacks followed one by one over time: the largest by each whole-run metric, in turn.
std::vector<size_t> pickTracked(const StackCatalog& catalog, size_t limit)
{
    const auto& entries = catalog.entries();
    std::vector<std::vector<size_t>> rankings;
    for (size_t m : {size_t{0}, size_t{1}, size_t{2}, size_t{3}}) {
        std::vector<size_t> order;
        for (size_t i = 0; i < entries.size(); ++i)
            if (entries[i].values[m] > 0) order.push_back(i);
        const size_t n = std::min(order.size(), limit);
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(), [&](size_t a, size_t b) {
            return entries[a].values[m] != entries[b].values[m] ? entries[a].values[m] > entries[b].values[m] : a < b;
        });
        order.resize(n);
        rankings.push_back(std::move(order));
    }
    std::vector<size_t> picked;
    std::set<size_t> seen;
    for (size_t rank = 0; picked.size() < limit; ++rank) {
        bool any = false;
        for (const auto& ranking : rankings) {
            if (rank >= ranking.size()) continue;
            any = true;
            if (seen.insert(ranking[rank]).second && picked.size() < limit) picked.push_back(ranking[rank]);
        }
        if (!any) break;
    }
    return picked;
}

std::string seriesLabel(const StackCatalog& catalog, const StackCatalog::Entry& entry)
{
    // The innermost two frames say where the memory came from.
    std::string label;
    const auto& path = entry.path;
    for (size_t i = 0; i < 2 && i < path.size(); ++i) {
        if (i) label += " \u2190 ";
        label += catalog.frames()[path[path.size() - 1 - i]].function;
    }
    return label;
}

// node: where the stack's values land in the callee tree, callerNode: in the caller tree.
json seriesJson(const SeriesHistory& s, int64_t node, int64_t callerNode, const std::string& label)
{
    std::vector<std::pair<uint32_t, Lifetime>> life(s.lifetimes.begin(), s.lifetimes.end());
    std::sort(life.begin(), life.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    json flat = json::array();
    for (const auto& [key, l] : life) {
        flat.push_back(key >> 16);
        flat.push_back(key & 0xffff);
        flat.push_back(l.bytes);
        flat.push_back(l.blocks);
    }
    return {{"node", node}, {"caller_node", callerNode}, {"label", label}, {"live", s.liveAtEnd}, {"peak", s.atPeak}, {"life", flat}};
}

// threads: gets the per-thread values of the same pass.
json historyJson(const std::string& path, const reader::CaptureModel& model, const StackCatalog& catalog,
                 const FlameTree& tree, const FlameTree& callerTree, const ReportOptions& options, ThreadStackTotals& threads)
{
    const std::vector<size_t> tracked = pickTracked(catalog, options.trackedStacks);
    std::vector<uint32_t> stacks;
    for (size_t e : tracked) stacks.push_back(catalog.entries()[e].stack);
    StackHistory history = recordStackHistory(path, stacks, model.durationUs(), kMaxHistoryBuckets, &threads);

    // Keep the time-window data bounded: series past the budget join the rest.
    SeriesHistory& rest = history.series.back();
    size_t used = rest.lifetimes.size();
    std::vector<size_t> kept;
    for (size_t i = 0; i < tracked.size(); ++i) {
        used += history.series[i].lifetimes.size();
        if (used <= options.maxLifetimeEntries) kept.push_back(i);
        else mergeSeries(rest, history.series[i]);
    }
    json series = json::array();
    for (size_t i : kept) {
        const StackCatalog::Entry& entry = catalog.entries()[tracked[i]];
        series.push_back(seriesJson(history.series[i], tree.leafOfEntry[tracked[i]], callerTree.leafOfEntry[tracked[i]],
                                    seriesLabel(catalog, entry)));
    }
    series.push_back(seriesJson(rest, -1, -1, "[other stacks]"));
    return {{"bucket_us", history.bucketUs}, {"buckets", history.buckets}, {"heap_max", history.heapMax},
            {"series", series}, {"complete", history.complete}};
}

// Leak groups merged by symbolic stack (two stack ids that symbolize alike are one leak).
json leaksJson(const reader::CaptureModel& model, reader::Symbolizer& symbolizer, const StackCatalog& catalog,
               size_t limit)
{
    struct Group {
        uint64_t bytes = 0, blocks = 0;
        std::set<std::string> kinds;
        std::vector<reader::SourceFrame> frames;
    };
    std::map<std::string, Group> groups;
    for (const reader::LeakGroup& leak : model.leaks()) {
        std::vector<reader::SourceFrame> frames;
        if (leak.stack.value() != 0 && leak.stack.value() < model.stacks().size())
            frames = reportStack(model.stacks(), symbolizer, leak.stack);
        std::string key;
        for (const reader::SourceFrame& f : frames) {
            key += f.function + '\0' + f.file + '\0' + std::to_string(f.line) + '\0' + f.module + '\1';
        }
        Group& g = groups[key];
        g.bytes += leak.bytes;
        g.blocks += leak.blocks;
        g.kinds.insert(format::allocatorKindName(leak.kind));
        if (g.frames.empty()) g.frames = std::move(frames);
    }
    std::vector<const Group*> order;
    for (const auto& [key, g] : groups) order.push_back(&g);
    std::stable_sort(order.begin(), order.end(), [](const Group* a, const Group* b) { return a->bytes > b->bytes; });
    std::map<std::string, uint32_t> moduleIndex;
    for (uint32_t i = 0; i < catalog.modules().size(); ++i) moduleIndex[catalog.modules()[i]] = i;
    json list = json::array();
    for (size_t i = 0; i < order.size() && i < limit; ++i) {
        const Group& g = *order[i];
        json stack = json::array();
        for (const reader::SourceFrame& f : g.frames) {
            std::string location = f.file.empty() ? "" : f.file + (f.line ? ":" + std::to_string(f.line) : "");
            stack.push_back({f.function, location, f.module});
        }
        list.push_back({{"bytes", g.bytes}, {"blocks", g.blocks}, {"kinds", g.kinds}, {"stack", stack}});
    }
    return {{"groups", list}, {"total_groups", groups.size()}};
}

}  // namespace

json buildReportData(const std::string& capturePath, const reader::CaptureModel& model, const reader::StreamResult& read,
                     reader::Symbolizer& symbolizer, const ReportOptions& options)
{
    json data;
    data["format"] = 1;
    data["capture"] = capturePath;
    data["summary"] = summaryJson(buildSummary(model, read, symbolizer));
    data["timeline"] = timelineJson(model);

    StackCatalog catalog(model, symbolizer);
    const FlameTree tree = buildFlameTree(catalog, options.maxFlameNodes);
    const FlameTree callerTree = buildCallerTree(catalog, options.maxFlameNodes);
    json metrics = json::array();
    for (const MetricInfo& info : kMetrics) {
        metrics.push_back({{"key", info.key}, {"label", info.label}, {"bytes", info.bytes},
                           {"total", catalog.totals()[static_cast<size_t>(info.metric)]}});
    }
    data["metrics"] = metrics;
    data["initial_metric"] = metricInfo(options.initialMetric).key;
    ThreadStackTotals threadStacks;
    data["history"] = historyJson(capturePath, model, catalog, tree, callerTree, options, threadStacks);
    data["threads"] = threadViewJson(threadTotals(model), threadStacks, catalog, tree, callerTree,
                                     {options.listedThreads, options.maxThreadEntries});
    data["leaks"] = leaksJson(model, symbolizer, catalog, options.leakGroups);
    // Frames last: the history and leaks may not add any, but the tree's root frame is added
    // by buildFlameTree.
    data["modules"] = catalog.modules();
    data["frames"] = framesJson(catalog);
    data["tree"] = treeJson(tree);
    data["caller_tree"] = treeJson(callerTree);
    data["stacks"] = catalog.entries().size();
    return data;
}

}  // namespace memtrace::report::html
