// The call tree a flamegraph draws: the catalog's stacks merged by frame path, every node
// carrying its totals for all metrics, then pruned so a capture with 100,000 stacks still
// draws at once. A node is kept when, for some metric, it holds at least `cutoff` of that
// metric's total; the children of a kept node that fall below are folded into one
// "[below cut-off]" child with their sums, so every total (and so the root) stays exact.
// The cut-off starts at minCutoff and doubles until at most maxNodes remain; a minCutoff of 0
// keeps every node when the full tree has at most maxNodes, else starts from kMinCutoff.
//
// Nodes are in pre-order: a parent always comes before its children (node 0 is the root).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "metrics.h"
#include "stack_catalog.h"

namespace memtrace::report::html {

// N: values per node (the report's metrics; the diff page's base and head values).
template <size_t N>
struct FlameTreeOf {
    static constexpr uint32_t kNoParent = ~0u;
    std::vector<uint32_t> parent;
    std::vector<uint32_t> frame;                   // frame id (StackCatalog's for the report)
    std::vector<std::array<uint64_t, N>> total;    // the node's subtree total per value
    std::vector<uint32_t> leafOfEntry;  // per catalog entry: the node its values land in
    double cutoff = 0;                  // share of a metric's total below which frames fold
    size_t fullNodes = 0;               // nodes before pruning (root included)
    size_t foldedNodes = 0;             // nodes folded into "[below cut-off]" boxes
    uint32_t otherFrame = 0;            // frame id of "[below cut-off]"
};
using FlameTree = FlameTreeOf<kMetricCount>;

// A path of frame ids (outermost first) and its values: the entries of a tree whose values
// are not the report's metrics.
template <size_t N>
struct FlamePath {
    std::array<uint64_t, N> values{};
    std::vector<uint32_t> path;
};

inline constexpr double kMinCutoff = 1e-4;
inline constexpr size_t kMaxFlameNodes = 40000;

FlameTree buildFlameTree(StackCatalog& catalog, size_t maxNodes = kMaxFlameNodes, double minCutoff = kMinCutoff);
// The inverted tree (heaptrack's bottom-up view, memray's inverted flamegraph): every path
// innermost frame first, so the root's children are the functions that allocated and the
// levels above them their callers. Same pruning, same frames and values.
FlameTree buildCallerTree(StackCatalog& catalog, size_t maxNodes = kMaxFlameNodes, double minCutoff = kMinCutoff);

// The same tree from the entries alone, given the frame ids of the root and of the
// "[below cut-off]" boxes (exposed for tests).
FlameTree buildFlameTree(const std::vector<StackCatalog::Entry>& entries, uint32_t rootFrame, uint32_t otherFrame,
                         size_t maxNodes, double minCutoff);
// The diff page's tree (diff_page.cpp): four metrics of base, then the same four of head.
FlameTreeOf<8> buildFlameTree(const std::vector<FlamePath<8>>& entries, uint32_t rootFrame, uint32_t otherFrame,
                              size_t maxNodes, double minCutoff);

}  // namespace memtrace::report::html
