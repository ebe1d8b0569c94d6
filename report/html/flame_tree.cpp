#include "flame_tree.h"

#include "reader/flat_hash_map.h"

namespace memtrace::report::html {

namespace {

// The unpruned tree.
struct FullTree {
    std::vector<uint32_t> parent{FlameTree::kNoParent};
    std::vector<uint32_t> frame{0};
    std::vector<MetricValues> total{MetricValues{}};
    std::vector<uint32_t> childStart, children;  // CSR children lists

    void index()
    {
        childStart.assign(parent.size() + 1, 0);
        for (size_t n = 1; n < parent.size(); ++n) ++childStart[parent[n] + 1];
        for (size_t n = 1; n < childStart.size(); ++n) childStart[n] += childStart[n - 1];
        children.assign(parent.size(), 0);
        std::vector<uint32_t> fill(childStart.begin(), childStart.end() - 1);
        for (size_t n = 1; n < parent.size(); ++n) children[fill[parent[n]]++] = static_cast<uint32_t>(n);
    }
};

bool keep(const MetricValues& node, const MetricValues& root, double cutoff)
{
    for (size_t m = 0; m < kMetricCount; ++m)
        if (node[m] > 0 && static_cast<double>(node[m]) >= cutoff * static_cast<double>(root[m])) return true;
    return false;
}

// Nodes the pruned tree would have at this cut-off (kept nodes plus one "other" per parent
// that loses children).
size_t prunedSize(const FullTree& full, double cutoff)
{
    size_t count = 0;
    std::vector<uint32_t> todo{0};
    while (!todo.empty()) {
        const uint32_t n = todo.back();
        todo.pop_back();
        ++count;
        bool folded = false;
        for (uint32_t i = full.childStart[n]; i < full.childStart[n + 1]; ++i) {
            const uint32_t c = full.children[i];
            if (keep(full.total[c], full.total[0], cutoff)) todo.push_back(c);
            else folded = true;
        }
        count += folded;
    }
    return count;
}

}  // namespace

FlameTree buildFlameTree(StackCatalog& catalog, size_t maxNodes, double minCutoff)
{
    FlameTree tree;
    const uint32_t rootFrame = catalog.addFrame("all");
    tree.otherFrame = catalog.addFrame("[below cut-off]");

    FullTree full;
    full.frame[0] = rootFrame;
    // At most one node per frame of every stack. Reserved, the node arrays never reallocate
    // (a copy held beside the old one: 160 of a 420 MiB peak with 100000 stacks); pages that
    // stay unused, where stacks share their callers, are never touched and so cost no memory.
    size_t frames = 1;
    for (const StackCatalog::Entry& entry : catalog.entries()) frames += entry.path.size();
    full.parent.reserve(frames);
    full.frame.reserve(frames);
    full.total.reserve(frames);
    // (parent node, frame) -> child node. Open addressing: one probe and no allocation per
    // frame of every stack (std::unordered_map took 2.3 s of a 100000-stack report).
    reader::FlatHashMap64<uint32_t> childOf;
    std::vector<uint32_t> fullLeaf;
    fullLeaf.reserve(catalog.entries().size());
    for (const StackCatalog::Entry& entry : catalog.entries()) {
        uint32_t node = 0;
        for (size_t m = 0; m < kMetricCount; ++m) full.total[0][m] += entry.values[m];
        for (uint32_t f : entry.path) {
            const uint64_t key = (static_cast<uint64_t>(node) << 32) | f;
            auto [child, inserted] = childOf.insert(key, static_cast<uint32_t>(full.parent.size()));
            if (inserted) {
                full.parent.push_back(node);
                full.frame.push_back(f);
                full.total.push_back(MetricValues{});
            }
            node = *child;
            for (size_t m = 0; m < kMetricCount; ++m) full.total[node][m] += entry.values[m];
        }
        fullLeaf.push_back(node);
    }
    childOf = {};
    full.index();
    tree.fullNodes = full.parent.size();

    double cutoff = minCutoff;
    while (cutoff < 1 && prunedSize(full, cutoff) > maxNodes) cutoff *= 2;
    tree.cutoff = cutoff;

    // Pre-order emission. mapped[n]: the pruned node that full node n's own values land in.
    std::vector<uint32_t> mapped(full.parent.size(), 0);
    struct Visit {
        uint32_t full;
        uint32_t parentOut;
    };
    std::vector<Visit> todo{{0, FlameTree::kNoParent}};
    while (!todo.empty()) {
        const Visit v = todo.back();
        todo.pop_back();
        const uint32_t out = static_cast<uint32_t>(tree.parent.size());
        tree.parent.push_back(v.parentOut);
        tree.frame.push_back(full.frame[v.full]);
        tree.total.push_back(full.total[v.full]);
        mapped[v.full] = out;

        uint32_t other = FlameTree::kNoParent;
        for (uint32_t i = full.childStart[v.full]; i < full.childStart[v.full + 1]; ++i) {
            const uint32_t c = full.children[i];
            if (keep(full.total[c], full.total[0], cutoff)) {
                todo.push_back({c, out});
                continue;
            }
            if (other == FlameTree::kNoParent) {
                other = static_cast<uint32_t>(tree.parent.size());
                tree.parent.push_back(out);
                tree.frame.push_back(tree.otherFrame);
                tree.total.push_back(MetricValues{});
            }
            for (size_t m = 0; m < kMetricCount; ++m) tree.total[other][m] += full.total[c][m];
            // The whole folded subtree lands in `other`.
            std::vector<uint32_t> sub{c};
            while (!sub.empty()) {
                const uint32_t s = sub.back();
                sub.pop_back();
                mapped[s] = other;
                ++tree.foldedNodes;
                for (uint32_t j = full.childStart[s]; j < full.childStart[s + 1]; ++j) sub.push_back(full.children[j]);
            }
        }
    }
    tree.leafOfEntry.reserve(fullLeaf.size());
    for (uint32_t leaf : fullLeaf) tree.leafOfEntry.push_back(mapped[leaf]);
    return tree;
}

}  // namespace memtrace::report::html
