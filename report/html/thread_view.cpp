#include "thread_view.h"

#include <map>
#include <unordered_map>

namespace memtrace::report::html {

namespace {

using nlohmann::json;

void add(MetricValues& into, const MetricValues& v)
{
    for (size_t m = 0; m < kMetricCount; ++m) into[m] += v[m];
}

MetricValues rowValues(const ThreadTotalsRow& r)
{
    MetricValues v{};
    v[static_cast<size_t>(Metric::Peak)] = r.peakBytes;
    v[static_cast<size_t>(Metric::Leaked)] = r.leakedBytes;
    v[static_cast<size_t>(Metric::Allocated)] = r.allocatedBytes;
    v[static_cast<size_t>(Metric::Allocations)] = r.allocations;
    v[static_cast<size_t>(Metric::Temporary)] = r.temporary;
    return v;
}

using Cells = std::vector<std::pair<uint32_t, MetricValues>>;  // (catalog entry, values)

// The subtree values of every node a set of cells reaches: each cell at its entry's node,
// then every node into its parent (parents come first in pre-order, so walking the nodes from
// the largest index down visits a node after all its children).
std::map<uint32_t, MetricValues> nodeValues(const std::vector<const Cells*>& cells, const FlameTree& tree)
{
    std::map<uint32_t, MetricValues> nodes;
    for (const Cells* list : cells)
        for (const auto& [entry, values] : *list) add(nodes[tree.leafOfEntry[entry]], values);
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
        if (it->first == 0) continue;
        add(nodes[tree.parent[it->first]], it->second);  // a smaller key: visited later
    }
    return nodes;
}

json sparseJson(const std::map<uint32_t, MetricValues>& nodes)
{
    json node = json::array(), values = json::array();
    for (size_t m = 0; m < kMetricCount; ++m) values.push_back(json::array());
    for (const auto& [n, v] : nodes) {
        node.push_back(n);
        for (size_t m = 0; m < kMetricCount; ++m) values[m].push_back(v[m]);
    }
    return {{"node", node}, {"values", values}};
}

json totalsJson(const MetricValues& v)
{
    json out = json::array();
    for (uint64_t x : v) out.push_back(x);
    return out;
}

}  // namespace

json threadViewJson(const std::vector<ThreadTotalsRow>& rows, const ThreadStackTotals& threads, const StackCatalog& catalog,
                    const FlameTree& tree, const FlameTree& callerTree, const ThreadViewLimits& limits)
{
    json out = {{"available", false}, {"groups", json::array()}, {"listed_max", limits.listed},
                {"entry_cap", limits.maxEntries}, {"capped", false}, {"entries", 0}};
    if (rows.empty()) {
        out["reason"] = "no per-thread numbers in this capture";
        return out;
    }
    std::unordered_map<uint32_t, uint32_t> entryOf;  // stack index -> catalog entry
    for (uint32_t e = 0; e < catalog.entries().size(); ++e) entryOf[catalog.entries()[e].stack] = e;
    std::unordered_map<uint32_t, Cells> byThread;
    std::unordered_map<uint32_t, MetricValues> sums;
    bool placed = true;
    threads.forEach([&](uint32_t stack, uint32_t thread, const MetricValues& values) {
        if (!anyNonZero(values)) return;
        add(sums[thread], values);
        const auto e = entryOf.find(stack);
        if (e == entryOf.end()) placed = false;
        else byThread[thread].emplace_back(e->second, values);
    });
    // The two passes must agree, thread by thread (they do unless the capture changed, or the
    // report covers a marker window the second pass does not apply).
    for (const ThreadTotalsRow& r : rows) {
        if (sums[r.index] != rowValues(r)) placed = false;
    }
    if (sums.size() != rows.size()) placed = false;  // a thread with values and no totals
    if (!placed) {
        out["reason"] = "the per-thread pass did not reproduce the totals";
        return out;
    }
    out["available"] = true;

    auto groupJson = [&](const ThreadTotalsRow* row, const MetricValues& totals) {
        json g = {{"totals", totalsJson(totals)}};
        if (row) {
            g["index"] = row->index;
            g["tid"] = row->tid ? json(*row->tid) : json(nullptr);
            g["name"] = row->name;
        }
        return g;
    };
    if (rows.size() == 1) {  // its values are the whole tree's
        json g = groupJson(&rows[0], rowValues(rows[0]));
        g["all"] = true;
        out["groups"].push_back(std::move(g));
        return out;
    }
    static const Cells kNone;
    auto cellsOf = [&](uint32_t thread) -> const Cells* {
        const auto it = byThread.find(thread);
        return it == byThread.end() ? &kNone : &it->second;
    };
    size_t entries = 0, listed = 0;
    for (; listed < rows.size() && listed < limits.listed; ++listed) {
        const ThreadTotalsRow& r = rows[listed];
        const auto nodes = nodeValues({cellsOf(r.index)}, tree), callers = nodeValues({cellsOf(r.index)}, callerTree);
        if (entries + nodes.size() + callers.size() > limits.maxEntries) {
            out["capped"] = true;
            break;
        }
        entries += nodes.size() + callers.size();
        json g = groupJson(&r, rowValues(r));
        g["tree"] = sparseJson(nodes);
        g["caller_tree"] = sparseJson(callers);
        out["groups"].push_back(std::move(g));
    }
    if (listed < rows.size()) {
        std::vector<const Cells*> rest;
        MetricValues totals{};
        json members = json::array();
        for (size_t i = listed; i < rows.size(); ++i) {
            rest.push_back(cellsOf(rows[i].index));
            add(totals, rowValues(rows[i]));
            members.push_back(rows[i].index);
        }
        const auto nodes = nodeValues(rest, tree), callers = nodeValues(rest, callerTree);
        entries += nodes.size() + callers.size();
        json g = groupJson(nullptr, totals);
        g["other"] = true;
        g["name"] = "[other threads]";
        g["members"] = std::move(members);
        g["tree"] = sparseJson(nodes);
        g["caller_tree"] = sparseJson(callers);
        out["groups"].push_back(std::move(g));
    }
    out["entries"] = entries;
    return out;
}

}  // namespace memtrace::report::html
