#include "summary.h"
#include "reader/capture_loader.h"

#include <algorithm>
#include <numeric>

#include "report_stack.h"

namespace memtrace::report {

using reader::StackIndex;

namespace {

void fillStopInfo(Summary& s, const reader::CaptureModel& model, const reader::StreamResult& read)
{
    using Outcome = reader::StreamResult::Outcome;
    s.truncated = reader::captureIsCut(model, read);
    s.corrupt = read.outcome == Outcome::Corrupt;
    if (read.outcome != Outcome::Complete) s.stopReason = read.message;
    if (s.truncated) s.stopByte = read.stopOffset;
}

// The n stacks with the largest nonzero `rank` value (ties: the lower index), as rows whose
// bytes are `bytesOf` the stack.
template <class Rank, class Bytes>
std::vector<StackRow> topStacksBy(const reader::CaptureModel& model, reader::Symbolizer& symbolizer, size_t n, Rank rank,
                                  Bytes bytesOf)
{
    const auto& stats = model.heap().stacks();
    std::vector<uint32_t> order;
    for (uint32_t i = 0; i < stats.size(); ++i)
        if (rank(stats[i]) > 0) order.push_back(i);
    auto heavier = [&](uint32_t a, uint32_t b) {
        const uint64_t ra = rank(stats[a]), rb = rank(stats[b]);
        return ra != rb ? ra > rb : a < b;
    };
    const size_t count = std::min(n, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), order.end(), heavier);
    std::vector<StackRow> rows;
    for (size_t i = 0; i < count; ++i) {
        const reader::StackStats& st = stats[order[i]];
        StackRow row;
        row.bytes = bytesOf(st);
        row.allocations = st.allocations;
        row.temporary = st.temporary;
        row.kind = format::allocatorKindName(st.kind);
        row.frames = reportStack(model.stacks(), symbolizer, StackIndex{order[i]});
        rows.push_back(std::move(row));
    }
    return rows;
}

uint64_t peakBytesOf(const reader::StackStats& s) { return s.peakBytes; }
uint64_t allocatedBytesOf(const reader::StackStats& s) { return s.allocatedBytes; }
uint64_t allocationsOf(const reader::StackStats& s) { return s.allocations; }
uint64_t temporaryOf(const reader::StackStats& s) { return s.temporary; }

// The buckets from the smallest non-empty one to the largest, the empty ones between included.
std::vector<SizeRow> sizeRows(const reader::SizeHistogram& sizes)
{
    using reader::SizeHistogram;
    size_t first = SizeHistogram::kBuckets, last = 0;
    for (size_t b = 0; b < SizeHistogram::kBuckets; ++b) {
        if (sizes.count(b) == 0) continue;
        first = std::min(first, b);
        last = b;
    }
    std::vector<SizeRow> rows;
    for (size_t b = first; b <= last && first < SizeHistogram::kBuckets; ++b)
        rows.push_back(SizeRow{SizeHistogram::minSize(b), SizeHistogram::maxSize(b), sizes.count(b), sizes.bytes(b)});
    return rows;
}

std::vector<StackRow> topLeaks(const reader::CaptureModel& model, reader::Symbolizer& symbolizer, size_t n)
{
    std::vector<StackRow> rows;
    const auto& stats = model.heap().stacks();
    for (const reader::LeakGroup& leak : model.leaks()) {  // already sorted, largest first
        if (rows.size() == n) break;
        StackRow row;
        row.bytes = leak.bytes;
        row.blocks = leak.blocks;
        row.allocations = leak.stack.value() < stats.size() ? stats[leak.stack.value()].allocations : 0;
        row.kind = format::allocatorKindName(leak.kind);
        row.frames = reportStack(model.stacks(), symbolizer, leak.stack);
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

Summary buildSummary(const reader::CaptureModel& model, const reader::StreamResult& read, reader::Symbolizer& symbolizer,
                     size_t topStacks)
{
    Summary s;
    if (const auto& process = model.process()) {
        s.program = process->exePath;
        s.commandLine = process->argv;
        s.pid = process->pid;
        s.timeResolutionUs = process->timeResolutionUs;
        s.foreignMalloc = process->foreignMalloc;
    }
    s.threads = model.threads().size();
    s.durationUs = model.durationUs();
    s.sampleRate = model.sampleRate();
    s.markers = model.control().markers();
    s.pauses = model.control().pauses().size();
    s.pauseIntervals = model.control().pauses();
    s.soak = model.isSoak();
    s.snapshots = model.snapshots().snapshots();
    s.snapshotIntervalUs = model.snapshots().intervalUs();
    s.exitStatus = model.exitStatus();
    s.endedBySignal = model.end() && model.end()->reason == format::EndReason::FatalSignal;
    s.trackingStopped = model.trackingStopped();
    if (const auto& end = model.end()) {
        s.eventsLost = end->eventsLost;
        s.ringFullWaits = end->ringFullWaits;
        s.programDrains = end->programDrains;
    }
    fillStopInfo(s, model, read);

    const reader::HeapTracker& heap = model.heap();
    s.allocations = heap.allocations();
    s.frees = heap.frees();
    s.allocatedBytes = heap.allocatedBytes();
    s.freedBytes = heap.freedBytes();
    s.freesUnmatched = heap.freesUnmatched();
    s.temporary = heap.temporary();
    s.anomalies = heap.anomalies();
    s.peakHeapBytes = heap.peakBytes();
    s.peakHeapTimeUs = heap.peakTimeUs();
    s.peakRssBytes = model.rssPeakBytes();
    s.peakRssTimeUs = model.rssPeakTimeUs();
    s.mmapBytesPeak = model.mmaps().peakBytes();
    s.mmapCalls = model.mmaps().mmapCalls();
    for (const reader::LeakGroup& leak : model.leaks()) {
        s.leakedBytes += leak.bytes;
        s.leakedBlocks += leak.blocks;
    }
    // Heap kinds and mmap kinds never share a value: one table with both.
    const auto& heapKinds = heap.byKind();
    const auto& mmapKinds = model.mmaps().byKind();
    for (size_t k = 0; k < heapKinds.size(); ++k) {
        const uint64_t count = heapKinds[k].count + mmapKinds[k].count;
        if (count == 0) continue;
        s.byKind.push_back(KindRow{format::allocatorKindName(static_cast<format::AllocatorKind>(k)), count,
                                   heapKinds[k].bytes + mmapKinds[k].bytes});
    }
    s.sizes = sizeRows(heap.sizes());
    s.topPeakStacks = topStacksBy(model, symbolizer, topStacks, peakBytesOf, peakBytesOf);
    // heaptrack's "most calls to allocation functions" and "most temporary allocations".
    // Half as many: every stack listed is symbolized, which is most of summary's start-up.
    const size_t countStacks = (topStacks + 1) / 2;
    s.topAllocationStacks = topStacksBy(model, symbolizer, countStacks, allocationsOf, allocatedBytesOf);
    s.topTemporaryStacks = topStacksBy(model, symbolizer, countStacks, temporaryOf, allocatedBytesOf);
    s.topLeaks = topLeaks(model, symbolizer, topStacks);
    s.threadTotals = threadTotals(model);
    return s;
}

}  // namespace memtrace::report
