#include "massif_export.h"

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

namespace memtrace::report::exporter {

namespace {

constexpr size_t kTimelineSnapshots = 98;  // + peak + end = massif's default of 100

// Massif's tree is inverted: the root is "the allocation functions", its children the
// innermost frames, their children the callers.
struct Node {
    uint64_t bytes = 0;
    std::map<uint32_t, std::unique_ptr<Node>> children;  // by catalog frame id
};

// ms_print cuts a line at '#' (comments) and reads one node per line.
std::string clean(const std::string& s)
{
    std::string out;
    for (char c : s) out.push_back(c == '#' ? '_' : (c == '\n' || c == '\r') ? ' ' : c);
    return out;
}

// Nodes below this share of the snapshot are merged into one "in N places" line, as massif
// does (its default threshold is 1%; ours is lower because memtrace records every stack, and
// it keeps a capture with 100k stacks from turning into a file of hundreds of MB).
constexpr uint64_t kThresholdPerMillion = 100;  // 0.01%
constexpr const char* kThresholdText = "0.01%";

struct TreeWriter {
    const html::StackCatalog& catalog;
    uint64_t total;  // the snapshot's bytes
    std::string out;

    bool significant(uint64_t bytes) const { return bytes * 1000000 >= total * kThresholdPerMillion; }

    // `unattributed`: bytes of the snapshot no stack accounts for (only in soak captures, whose
    // per-stack values at the peak come from the nearest snapshot, not the exact peak instant).
    void write(const Node& node, uint32_t frame, int depth, uint64_t unattributed = 0)
    {
        std::vector<std::pair<uint32_t, const Node*>> kids;
        uint64_t smallBytes = 0;
        size_t smallCount = 0;
        for (const auto& [id, child] : node.children) {
            if (significant(child->bytes)) {
                kids.emplace_back(id, child.get());
            } else {
                smallBytes += child->bytes;
                ++smallCount;
            }
        }
        std::stable_sort(kids.begin(), kids.end(), [](const auto& a, const auto& b) { return a.second->bytes > b.second->bytes; });
        const size_t lines = kids.size() + (smallCount ? 1 : 0) + (unattributed ? 1 : 0);
        out.append(static_cast<size_t>(depth), ' ');
        out += "n" + std::to_string(lines) + ": " + std::to_string(node.bytes + unattributed) + " ";
        if (depth == 0) {
            out += "(heap allocation functions) malloc/new/new[], --alloc-fns, etc.";
        } else {
            const html::CatalogFrame& f = catalog.frames()[frame];
            out += clean(f.function);
            if (!f.location.empty()) out += " (" + clean(f.location) + ")";
        }
        out.push_back('\n');
        for (const auto& [id, child] : kids) write(*child, id, depth + 1);
        const std::string indent(static_cast<size_t>(depth + 1), ' ');
        if (smallCount)
            out += indent + "n0: " + std::to_string(smallBytes) + " in " + std::to_string(smallCount) + " place" +
                   (smallCount == 1 ? "" : "s") + ", all below massif's threshold (" + kThresholdText + ")\n";
        if (unattributed) out += indent + "n0: " + std::to_string(unattributed) + " [not attributed to a stack: between two soak snapshots]\n";
    }
};

// The tree of `metric` for a snapshot of `heapBytes` (raised to the stacks' sum if that is larger,
// which ms_print needs: no node may exceed the snapshot).
std::string heapTree(const html::StackCatalog& catalog, html::Metric metric, uint64_t& heapBytes)
{
    const size_t m = static_cast<size_t>(metric);
    Node root;
    for (const html::StackCatalog::Entry& entry : catalog.entries()) {
        const uint64_t bytes = entry.values[m];
        if (bytes == 0) continue;
        root.bytes += bytes;
        Node* node = &root;
        for (auto it = entry.path.rbegin(); it != entry.path.rend(); ++it) {  // innermost first
            std::unique_ptr<Node>& child = node->children[*it];
            if (!child) child = std::make_unique<Node>();
            child->bytes += bytes;
            node = child.get();
        }
    }
    heapBytes = std::max(heapBytes, root.bytes);
    TreeWriter writer{catalog, heapBytes, {}};
    writer.write(root, 0, 0, heapBytes - root.bytes);
    return std::move(writer.out);
}

struct Snapshot {
    uint64_t timeUs = 0;
    uint64_t heapBytes = 0;
    const char* tree = "empty";  // "empty" | "peak" | "detailed"
    std::string body;
};

}  // namespace

std::string massifOut(const reader::CaptureModel& model, const html::StackCatalog& catalog)
{
    std::vector<Snapshot> snapshots;
    const auto& samples = model.timeline().samples();
    const size_t group = std::max<size_t>(1, (samples.size() + kTimelineSnapshots - 1) / kTimelineSnapshots);
    for (size_t i = 0; i < samples.size(); i += group) {
        Snapshot s{samples[i].timeUs, 0, "empty", {}};
        for (size_t j = i; j < std::min(samples.size(), i + group); ++j) s.heapBytes = std::max(s.heapBytes, samples[j].heapMax);
        snapshots.push_back(std::move(s));
    }
    const reader::HeapTracker& heap = model.heap();
    Snapshot peak{heap.peakTimeUs(), heap.peakBytes(), "peak", {}};
    peak.body = heapTree(catalog, html::Metric::Peak, peak.heapBytes);
    Snapshot end{std::max(model.durationUs(), heap.peakTimeUs()), heap.heapBytes(), "detailed", {}};
    end.body = heapTree(catalog, html::Metric::Leaked, end.heapBytes);
    snapshots.push_back(std::move(peak));
    snapshots.push_back(std::move(end));
    std::stable_sort(snapshots.begin(), snapshots.end(), [](const Snapshot& a, const Snapshot& b) { return a.timeUs < b.timeUs; });

    std::string out = "desc: memtrace export --format massif (";
    out += model.sampleRate() ? "byte sampling, mean " + std::to_string(model.sampleRate()) + " bytes: estimates"
                              : std::string("every allocation recorded");
    out += ")\ncmd:";
    if (const auto& process = model.process())
        for (const std::string& arg : process->argv) out += " " + clean(arg);
    out += "\ntime_unit: ms\n";
    for (size_t i = 0; i < snapshots.size(); ++i) {
        const Snapshot& s = snapshots[i];
        out += "#-----------\nsnapshot=" + std::to_string(i) + "\n#-----------\n";
        out += "time=" + std::to_string(s.timeUs / 1000) + "\n";
        out += "mem_heap_B=" + std::to_string(s.heapBytes) + "\nmem_heap_extra_B=0\nmem_stacks_B=0\n";
        out += std::string("heap_tree=") + s.tree + "\n" + s.body;
    }
    return out;
}

}  // namespace memtrace::report::exporter
