#include "flame_tree.h"

#include <algorithm>
#include <numeric>

namespace memtrace::report::html {

// How the tree is built without building it whole. Sorted, the entries whose paths share a
// prefix are neighbours, so every node of the full tree is a range of sorted positions: its
// total is a difference of prefix sums, and its node count follows from the common prefixes
// of neighbouring paths. Only the nodes that could be kept - those that reach minCutoff for
// some metric - are made; each of them sums up its children below minCutoff, which no larger
// cut-off can keep either. (Building the full tree, one hash probe per frame, took 1.8 s and
// 3.2 M nodes for alloc_bench's 100000 stacks.)
//
// The result is the tree that inserting the entries one by one would give, node for node:
// the full tree's nodes are numbered in insertion order (a node is created by the first entry,
// in catalog order, whose path runs through it), its children visited in that order, and the
// pruned tree emitted in pre-order from a stack.

namespace {

template <size_t N>
bool keep(const std::array<uint64_t, N>& node, const std::array<uint64_t, N>& root, double cutoff)
{
    for (size_t m = 0; m < N; ++m)
        if (node[m] > 0 && static_cast<double>(node[m]) >= cutoff * static_cast<double>(root[m])) return true;
    return false;
}

template <size_t N>
void add(std::array<uint64_t, N>& into, const std::array<uint64_t, N>& v)
{
    for (size_t m = 0; m < N; ++m) into[m] += v[m];
}

// The entries in path order (ties by index), and the sums over ranges of that order.
// Entry: anything with `values` (a std::array of uint64_t) and `path` (frame ids).
template <class Entry>
class SortedPaths {
public:
    using Values = decltype(Entry::values);

    explicit SortedPaths(const std::vector<Entry>& entries) : m_entries(entries), m_order(entries.size())
    {
        std::iota(m_order.begin(), m_order.end(), 0u);
        std::sort(m_order.begin(), m_order.end(), [&](uint32_t a, uint32_t b) {
            const auto order = std::lexicographical_compare_three_way(entries[a].path.begin(), entries[a].path.end(),
                                                                      entries[b].path.begin(), entries[b].path.end());
            return order != 0 ? order < 0 : a < b;
        });
        const size_t n = entries.size();
        m_common.assign(n, 0);
        m_valueSums.assign(n + 1, Values{});
        m_newNodeSums.assign(n + 1, 0);
        for (size_t k = 0; k < n; ++k) {
            const std::vector<uint32_t>& path = pathAt(k);
            if (k > 0) {
                const std::vector<uint32_t>& previous = pathAt(k - 1);
                const size_t limit = std::min(path.size(), previous.size());
                uint32_t common = 0;
                while (common < limit && path[common] == previous[common]) ++common;
                m_common[k] = common;
            }
            m_valueSums[k + 1] = m_valueSums[k];
            add(m_valueSums[k + 1], entries[m_order[k]].values);
            m_newNodeSums[k + 1] = m_newNodeSums[k] + (path.size() - m_common[k]);
        }
    }

    size_t size() const { return m_order.size(); }
    uint32_t entryAt(size_t k) const { return m_order[k]; }
    const std::vector<uint32_t>& pathAt(size_t k) const { return m_entries[m_order[k]].path; }
    // How many leading frames path k shares with path k - 1.
    uint32_t commonWithPrevious(size_t k) const { return m_common[k]; }

    Values total(size_t lo, size_t hi) const
    {
        Values v;
        for (size_t m = 0; m < v.size(); ++m) v[m] = m_valueSums[hi][m] - m_valueSums[lo][m];
        return v;
    }
    // Nodes of the full subtree whose root, at `depth`, the paths [lo, hi) run through: the
    // root, path lo's frames below it, and each later path's frames past its common prefix.
    uint64_t subtreeNodes(size_t lo, size_t hi, size_t depth) const
    {
        return 1 + (pathAt(lo).size() - depth) + (m_newNodeSums[hi] - m_newNodeSums[lo + 1]);
    }
    uint64_t fullNodes() const { return 1 + m_newNodeSums.back(); }

private:
    const std::vector<Entry>& m_entries;
    std::vector<uint32_t> m_order;
    std::vector<uint32_t> m_common;
    std::vector<Values> m_valueSums;        // [k]: sum of the first k entries' values
    std::vector<uint64_t> m_newNodeSums;    // [k]: sum over the first k of length - common
};

// The nodes that reach minCutoff, breadth first: a node's children are consecutive, in
// insertion order.
template <class Values>
struct Node {
    uint32_t lo = 0, hi = 0;  // sorted positions of the paths through it
    uint32_t depth = 0;
    uint32_t frame = 0;
    uint32_t first = 0;  // smallest entry index among them: siblings' insertion order
    uint32_t childBegin = 0, childEnd = 0;
    Values total{};
    Values foldedTotal{};  // children below minCutoff, with all their nodes
    uint64_t foldedNodes = 0;
};

template <class Values>
struct KeptTree {
    std::vector<Node<Values>> nodes;
    // Per entry: the node its path ends at (2 * node), or the node under which it lies in a
    // child below minCutoff (2 * node + 1).
    std::vector<uint32_t> entryPlace;
};

template <class Entry, class Values = decltype(Entry::values)>
KeptTree<Values> buildKeptTree(const SortedPaths<Entry>& paths, uint32_t rootFrame, double minCutoff)
{
    KeptTree<Values> t;
    t.entryPlace.assign(paths.size(), 0);
    Node<Values> root;
    root.hi = static_cast<uint32_t>(paths.size());
    root.frame = rootFrame;
    root.total = paths.total(0, paths.size());
    t.nodes.push_back(root);
    for (size_t at = 0; at < t.nodes.size(); ++at) {
        const Node<Values> node = t.nodes[at];
        const uint32_t self = static_cast<uint32_t>(at);
        const uint32_t childDepth = node.depth + 1;
        const uint32_t childBegin = static_cast<uint32_t>(t.nodes.size());
        size_t k = node.lo;
        for (; k < node.hi && paths.pathAt(k).size() == node.depth; ++k) t.entryPlace[paths.entryAt(k)] = 2 * self;
        while (k < node.hi) {  // one child: the paths that agree on the frame at node.depth
            const size_t lo = k;
            uint32_t first = paths.entryAt(k);
            for (++k; k < node.hi && paths.commonWithPrevious(k) > node.depth; ++k) first = std::min(first, paths.entryAt(k));
            const Values total = paths.total(lo, k);
            if (keep(total, root.total, minCutoff)) {
                Node<Values> child;
                child.lo = static_cast<uint32_t>(lo);
                child.hi = static_cast<uint32_t>(k);
                child.depth = childDepth;
                child.frame = paths.pathAt(lo)[node.depth];
                child.first = first;
                child.total = total;
                t.nodes.push_back(child);
                continue;
            }
            Node<Values>& parent = t.nodes[at];
            add(parent.foldedTotal, total);
            parent.foldedNodes += paths.subtreeNodes(lo, k, childDepth);
            for (size_t j = lo; j < k; ++j) t.entryPlace[paths.entryAt(j)] = 2 * self + 1;
        }
        std::sort(t.nodes.begin() + childBegin, t.nodes.end(),
                  [](const Node<Values>& a, const Node<Values>& b) { return a.first < b.first; });
        t.nodes[at].childBegin = childBegin;
        t.nodes[at].childEnd = static_cast<uint32_t>(t.nodes.size());
    }
    return t;
}

// Nodes the pruned tree would have at this cut-off (kept nodes plus one "other" per parent
// that loses children).
template <class Values>
size_t prunedSize(const KeptTree<Values>& t, double cutoff)
{
    const Values& root = t.nodes[0].total;
    size_t count = 0;
    std::vector<uint32_t> todo{0};
    while (!todo.empty()) {
        const Node<Values>& n = t.nodes[todo.back()];
        todo.pop_back();
        ++count;
        bool folded = n.foldedNodes > 0;
        for (uint32_t c = n.childBegin; c < n.childEnd; ++c) {
            if (keep(t.nodes[c].total, root, cutoff)) todo.push_back(c);
            else folded = true;
        }
        count += folded;
    }
    return count;
}

template <class Entry, class Values = decltype(Entry::values), class Tree = FlameTreeOf<std::tuple_size_v<Values>>>
Tree buildTree(const std::vector<Entry>& entries, uint32_t rootFrame, uint32_t otherFrame, size_t maxNodes, double minCutoff)
{
    Tree tree;
    tree.otherFrame = otherFrame;
    const SortedPaths<Entry> paths(entries);
    tree.fullNodes = paths.fullNodes();
    if (minCutoff <= 0 && tree.fullNodes > maxNodes) minCutoff = kMinCutoff;
    const KeptTree<Values> kept = buildKeptTree(paths, rootFrame, minCutoff);

    double cutoff = minCutoff;
    while (cutoff > 0 && cutoff < 1 && prunedSize(kept, cutoff) > maxNodes) cutoff *= 2;
    tree.cutoff = cutoff;

    // Pre-order emission. Per kept node: the pruned node its own entries land in, and the one
    // its entries below minCutoff land in.
    const Values& root = kept.nodes[0].total;
    std::vector<uint32_t> landing(kept.nodes.size(), 0), foldedLanding(kept.nodes.size(), 0);
    struct Visit {
        uint32_t node;
        uint32_t parentOut;
    };
    std::vector<Visit> todo{{0, Tree::kNoParent}};
    std::vector<uint32_t> sub;
    while (!todo.empty()) {
        const Visit v = todo.back();
        todo.pop_back();
        const Node<Values>& n = kept.nodes[v.node];
        const uint32_t out = static_cast<uint32_t>(tree.parent.size());
        tree.parent.push_back(v.parentOut);
        tree.frame.push_back(n.frame);
        tree.total.push_back(n.total);
        landing[v.node] = out;

        uint32_t other = Tree::kNoParent;
        auto fold = [&](const Values& total, uint64_t nodes) {
            if (other == Tree::kNoParent) {
                other = static_cast<uint32_t>(tree.parent.size());
                tree.parent.push_back(out);
                tree.frame.push_back(tree.otherFrame);
                tree.total.push_back(Values{});
            }
            add(tree.total[other], total);
            tree.foldedNodes += nodes;
        };
        for (uint32_t c = n.childBegin; c < n.childEnd; ++c) {
            const Node<Values>& child = kept.nodes[c];
            if (keep(child.total, root, cutoff)) {
                todo.push_back({c, out});
                continue;
            }
            fold(child.total, paths.subtreeNodes(child.lo, child.hi, child.depth));
            // The whole folded subtree lands in `other`.
            sub.assign(1, c);
            while (!sub.empty()) {
                const Node<Values>& s = kept.nodes[sub.back()];
                landing[sub.back()] = foldedLanding[sub.back()] = other;
                sub.pop_back();
                for (uint32_t j = s.childBegin; j < s.childEnd; ++j) sub.push_back(j);
            }
        }
        if (n.foldedNodes > 0) fold(n.foldedTotal, n.foldedNodes);
        foldedLanding[v.node] = other;
    }
    tree.leafOfEntry.reserve(entries.size());
    for (uint32_t place : kept.entryPlace) tree.leafOfEntry.push_back(place & 1 ? foldedLanding[place / 2] : landing[place / 2]);
    return tree;
}

}  // namespace

FlameTree buildFlameTree(const std::vector<StackCatalog::Entry>& entries, uint32_t rootFrame, uint32_t otherFrame,
                         size_t maxNodes, double minCutoff)
{
    return buildTree(entries, rootFrame, otherFrame, maxNodes, minCutoff);
}

FlameTreeOf<8> buildFlameTree(const std::vector<FlamePath<8>>& entries, uint32_t rootFrame, uint32_t otherFrame,
                              size_t maxNodes, double minCutoff)
{
    return buildTree(entries, rootFrame, otherFrame, maxNodes, minCutoff);
}

FlameTree buildFlameTree(StackCatalog& catalog, size_t maxNodes, double minCutoff)
{
    const uint32_t rootFrame = catalog.addFrame("all");
    const uint32_t otherFrame = catalog.addFrame("[below cut-off]");
    return buildFlameTree(catalog.entries(), rootFrame, otherFrame, maxNodes, minCutoff);
}

FlameTree buildCallerTree(StackCatalog& catalog, size_t maxNodes, double minCutoff)
{
    const uint32_t rootFrame = catalog.addFrame("all");
    const uint32_t otherFrame = catalog.addFrame("[below cut-off]");
    std::vector<StackCatalog::Entry> reversed;
    reversed.reserve(catalog.entries().size());
    for (const StackCatalog::Entry& entry : catalog.entries()) {
        StackCatalog::Entry& r = reversed.emplace_back();
        r.stack = entry.stack;
        r.values = entry.values;
        r.path.assign(entry.path.rbegin(), entry.path.rend());
    }
    return buildFlameTree(reversed, rootFrame, otherFrame, maxNodes, minCutoff);
}

}  // namespace memtrace::report::html
