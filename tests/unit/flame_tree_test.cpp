#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <utility>

#include "report/html/flame_tree.h"

using memtrace::report::html::buildFlameTree;
using memtrace::report::html::FlameTree;
using memtrace::report::html::kMetricCount;
using memtrace::report::html::MetricValues;
using Entry = memtrace::report::html::StackCatalog::Entry;

namespace {

bool keep(const MetricValues& node, const MetricValues& root, double cutoff)
{
    for (size_t m = 0; m < kMetricCount; ++m)
        if (node[m] > 0 && static_cast<double>(node[m]) >= cutoff * static_cast<double>(root[m])) return true;
    return false;
}

// The definition buildFlameTree must match, written the plain way: the full tree by inserting
// the entries one by one, root to leaf; the smallest doubling of minCutoff that leaves at
// most maxNodes; then the kept nodes in pre-order from a stack, children in creation order,
// each parent's children below the cut-off summed into one "other" node.
FlameTree plainFlameTree(const std::vector<Entry>& entries, size_t maxNodes, double minCutoff)
{
    std::vector<uint32_t> parent{FlameTree::kNoParent}, frame{7};
    std::vector<MetricValues> total{MetricValues{}};
    std::vector<std::vector<uint32_t>> children(1);
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> childOf;
    std::vector<uint32_t> leaf;
    for (const Entry& entry : entries) {
        uint32_t node = 0;
        for (size_t m = 0; m < kMetricCount; ++m) total[0][m] += entry.values[m];
        for (uint32_t f : entry.path) {
            auto [it, inserted] = childOf.try_emplace({node, f}, static_cast<uint32_t>(parent.size()));
            if (inserted) {
                children[node].push_back(it->second);
                parent.push_back(node);
                frame.push_back(f);
                total.push_back(MetricValues{});
                children.emplace_back();
            }
            node = it->second;
            for (size_t m = 0; m < kMetricCount; ++m) total[node][m] += entry.values[m];
        }
        leaf.push_back(node);
    }
    auto prunedSize = [&](double cutoff) {
        size_t count = 0;
        std::vector<uint32_t> todo{0};
        while (!todo.empty()) {
            const uint32_t n = todo.back();
            todo.pop_back();
            bool folded = false;
            for (uint32_t c : children[n]) {
                if (keep(total[c], total[0], cutoff)) todo.push_back(c);
                else folded = true;
            }
            count += 1 + folded;
        }
        return count;
    };
    FlameTree tree;
    tree.otherFrame = 8;
    tree.fullNodes = parent.size();
    tree.cutoff = minCutoff;
    while (tree.cutoff < 1 && prunedSize(tree.cutoff) > maxNodes) tree.cutoff *= 2;
    std::vector<uint32_t> mapped(parent.size(), 0);
    std::vector<std::pair<uint32_t, uint32_t>> todo{{0, FlameTree::kNoParent}};
    while (!todo.empty()) {
        const auto [n, parentOut] = todo.back();
        todo.pop_back();
        const uint32_t out = static_cast<uint32_t>(tree.parent.size());
        tree.parent.push_back(parentOut);
        tree.frame.push_back(frame[n]);
        tree.total.push_back(total[n]);
        mapped[n] = out;
        uint32_t other = FlameTree::kNoParent;
        for (uint32_t c : children[n]) {
            if (keep(total[c], total[0], tree.cutoff)) {
                todo.push_back({c, out});
                continue;
            }
            if (other == FlameTree::kNoParent) {
                other = static_cast<uint32_t>(tree.parent.size());
                tree.parent.push_back(out);
                tree.frame.push_back(tree.otherFrame);
                tree.total.push_back(MetricValues{});
            }
            for (size_t m = 0; m < kMetricCount; ++m) tree.total[other][m] += total[c][m];
            std::vector<uint32_t> sub{c};
            while (!sub.empty()) {
                const uint32_t s = sub.back();
                sub.pop_back();
                mapped[s] = other;
                ++tree.foldedNodes;
                sub.insert(sub.end(), children[s].begin(), children[s].end());
            }
        }
    }
    for (uint32_t l : leaf) tree.leafOfEntry.push_back(mapped[l]);
    return tree;
}

void requireSameTree(const std::vector<Entry>& entries, size_t maxNodes, double minCutoff)
{
    const FlameTree expected = plainFlameTree(entries, maxNodes, minCutoff);
    const FlameTree built = buildFlameTree(entries, 7, 8, maxNodes, minCutoff);
    REQUIRE(built.parent == expected.parent);
    REQUIRE(built.frame == expected.frame);
    REQUIRE(built.total == expected.total);
    REQUIRE(built.leafOfEntry == expected.leafOfEntry);
    REQUIRE(built.cutoff == expected.cutoff);
    REQUIRE(built.fullNodes == expected.fullNodes);
    REQUIRE(built.foldedNodes == expected.foldedNodes);
    REQUIRE(built.otherFrame == 8u);
}

}  // namespace

TEST_CASE("flame tree: the plain insert-then-prune tree, node for node")
{
    SECTION("paths that repeat, end inside others, and share callers in any order")
    {
        const std::vector<Entry> entries{
            {1, {5, 0, 0, 0, 1}, {1, 2, 3}},
            {2, {1, 1, 1, 1, 1}, {1, 2}},     // ends inside the first
            {3, {0, 2, 0, 0, 0}, {1, 4, 3}},
            {4, {3, 0, 0, 9, 0}, {1, 2, 3}},  // the same path again
            {5, {0, 0, 8, 0, 0}, {0}},        // sorts first, comes last
            {6, {1, 0, 0, 0, 4}, {1, 2, 3, 3, 9}},
        };
        for (size_t maxNodes : {100, 6, 4, 1}) requireSameTree(entries, maxNodes, 1e-4);
        const FlameTree all = buildFlameTree(entries, 7, 8, 100, 1e-4);
        CHECK(all.fullNodes == 9u);
        CHECK(all.total[0] == MetricValues{10, 3, 9, 10, 6});
        CHECK(all.leafOfEntry[0] == all.leafOfEntry[3]);
        const FlameTree pruned = buildFlameTree(entries, 7, 8, 4, 1e-4);
        CHECK(pruned.parent.size() <= 4u);
        CHECK(pruned.total[0] == all.total[0]);
    }
    SECTION("random catalogs, cut-offs and node budgets")
    {
        std::mt19937 random(12345);
        for (int round = 0; round < 500; ++round) {
            std::vector<Entry> entries;
            const uint32_t alphabet = 1 + random() % 6;
            const size_t count = random() % 80;
            for (size_t i = 0; i < count; ++i) {
                Entry e;
                e.stack = static_cast<uint32_t>(i + 1);
                const size_t depth = random() % 9;  // 0: a path that ends at the root
                for (size_t d = 0; d < depth; ++d) e.path.push_back(static_cast<uint32_t>(random() % alphabet));
                for (uint64_t& v : e.values) v = random() % 4 == 0 ? 0 : random() % (round % 2 ? 1000 : 1000000);
                entries.push_back(std::move(e));
            }
            const size_t maxNodes = 1 + random() % 60;
            const double minCutoff = round % 3 == 0 ? 1e-4 : round % 3 == 1 ? 0.01 : 0.07;
            requireSameTree(entries, maxNodes, minCutoff);
        }
    }
    SECTION("no entries: the root alone")
    {
        requireSameTree({}, 10, 1e-4);
    }
}
