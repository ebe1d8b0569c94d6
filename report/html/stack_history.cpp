#include "stack_history.h"

#include <algorithm>
#include <optional>

#include "reader/capture_model.h"
#include "reader/capture_stream.h"

namespace memtrace::report::html {

namespace {

using format::RecordType;

class HistorySink final : public reader::RecordSink {
public:
    HistorySink(StackHistory& out, const std::vector<uint32_t>& tracked, ThreadStackTotals* threads)
        : m_out(out), m_threads(threads ? *threads : m_noThreads)
    {
        for (uint32_t i = 0; i < tracked.size(); ++i) {
            if (tracked[i] >= m_seriesOf.size()) m_seriesOf.resize(tracked[i] + 1, kRest);
            m_seriesOf[tracked[i]] = i;
        }
        m_rest = static_cast<uint32_t>(tracked.size());
        const size_t n = tracked.size() + 1;
        m_out.series.assign(n, SeriesHistory{});
        for (SeriesHistory& s : m_out.series) {
            s.liveAtEnd.assign(m_out.buckets, 0);
            s.atPeak.assign(m_out.buckets, 0);
        }
        m_out.heapMax.assign(m_out.buckets, 0);
        m_live.assign(n, 0);
        m_lastChange.assign(n, 0);
        m_recordedFor.assign(n, 0);
    }

    void onHeader(const format::FileHeader& header) override { m_model.setHeader(header); }

    void onRecord(const reader::Record& r) override
    {
        switch (r.type) {
        case RecordType::Alloc:
        case RecordType::AllocWeighted:
            enterBucket(r.timeUs);
            if (r.address != 0) releaseAt(r.address, r.timeUs);  // an anomaly: the model releases it first
            m_model.apply(r);
            if (r.address != 0) added(r.address);
            break;
        case RecordType::Free: {
            enterBucket(r.timeUs);
            const auto block = r.address != 0 ? releaseAt(r.address, r.timeUs) : std::nullopt;
            const uint64_t temporary = m_model.heap().temporary();
            m_model.apply(r);
            creditTemporary(block, temporary);
            break;
        }
        case RecordType::Realloc: {
            enterBucket(r.timeUs);
            std::optional<reader::LiveBlock> old;
            if (r.newAddress != 0 || r.size == 0) {  // else a failed resize: nothing changes
                if (r.address != 0) old = releaseAt(r.address, r.timeUs);
                if (r.newAddress != 0 && r.newAddress != r.address) releaseAt(r.newAddress, r.timeUs);
            }
            const uint64_t temporary = m_model.heap().temporary();
            m_model.apply(r);
            creditTemporary(old, temporary);  // only the old block can be temporary
            if (r.newAddress != 0 || r.size == 0)
                if (r.newAddress != 0) added(r.newAddress);
            break;
        }
        case RecordType::Snapshot:  // soak capture: per-stack live bytes, no blocks (no lifetimes)
            enterBucket(r.timeUs);
            m_model.apply(r);
            settleSeriesFromStacks();
            break;
        default:
            m_model.apply(r);
            return;
        }
        noteHeap();
    }

    // The hot records (Alloc, Free, Time, Thread) straight from the decoder, with exactly the
    // effects onRecord gives them (capture_stream.h): the model's own hot path does the
    // accounting (a pass took 0.6 s of a 100000-stack report through onRecord).
    class HotEvents {
    public:
        explicit HotEvents(HistorySink& sink) : h(sink), m(sink.m_model.hotEvents()) {}
        void time(uint64_t timeUs) { m.time(timeUs); }
        void prefetch(uint64_t address) const { m.prefetch(address); }
        void prefetchStack(uint64_t stack) const { m.prefetchStack(stack); }
        size_t stackStatsBytes() const { return m.stackStatsBytes(); }
        size_t liveTableBytes() const { return m.liveTableBytes(); }
        void alloc(format::AllocatorKind kind, uint64_t address, uint64_t size, uint64_t stack, uint32_t thread, uint64_t timeUs)
        {
            h.enterBucket(timeUs);
            if (address != 0) h.releaseAt(address, timeUs);  // an anomaly: the model releases it first
            m.alloc(kind, address, size, stack, thread, timeUs);
            if (address != 0) h.added(address);
            h.noteHeap();
        }
        void free(format::AllocatorKind kind, uint64_t address, uint64_t timeUs)
        {
            h.enterBucket(timeUs);
            const auto block = address != 0 ? h.releaseAt(address, timeUs) : std::nullopt;
            const uint64_t temporary = h.m_model.heap().temporary();
            m.free(kind, address, timeUs);
            h.creditTemporary(block, temporary);
            h.noteHeap();
        }
        // An Alloc and the Free of its block right after it: the two records' effects in turn.
        void allocFree(format::AllocatorKind kind, uint64_t address, uint64_t size, uint64_t stack, uint32_t thread,
                       uint64_t timeUs, format::AllocatorKind freeKind)
        {
            alloc(kind, address, size, stack, thread, timeUs);
            free(freeKind, address, timeUs);
        }
        void records(uint64_t count) { m.records(count); }

    private:
        HistorySink& h;
        reader::CaptureModel::HotEvents m;
    };
    HotEvents hotEvents() { return HotEvents(*this); }

    void finish()
    {
        closeBucket();
        for (uint32_t b = m_bucket + 1; b < m_out.buckets; ++b) fillQuietBucket(b);
        // Blocks never released: release bucket = buckets.
        m_model.heap().liveBlocks().forEach([&](uint64_t, const reader::LiveBlock& block) {
            Lifetime& l = m_out.series[seriesOf(block.stack)].lifetimes[SeriesHistory::key(bucketOf(block.timeUs), m_out.buckets)];
            l.bytes += block.size;
            l.blocks += 1;
        });
    }

private:
    static constexpr uint32_t kRest = ~0u;

    uint32_t seriesOf(uint32_t stack) const
    {
        return stack < m_seriesOf.size() && m_seriesOf[stack] != kRest ? m_seriesOf[stack] : m_rest;
    }
    uint32_t bucketOf(uint64_t timeUs) const
    {
        return static_cast<uint32_t>(std::min<uint64_t>(timeUs / m_out.bucketUs, m_out.buckets - 1));
    }

    void noteHeap()
    {
        if (m_model.heap().peakBytes() != m_globalPeak) {
            m_globalPeak = m_model.heap().peakBytes();
            m_threads.newPeak();
        }
        const uint64_t heap = m_model.heap().heapBytes();
        if (heap > m_out.heapMax[m_bucket]) {
            m_out.heapMax[m_bucket] = heap;
            newBucketPeak();
        }
    }

    void newBucketPeak()
    {
        m_peakSeq = m_seq;
        ++m_peakId;
    }

    // Before series s changes: if the bucket's peak was set after its last change, its value
    // now is its value at that peak.
    void beginChange(uint32_t s)
    {
        if (m_recordedFor[s] != m_peakId && m_lastChange[s] <= m_peakSeq) {
            m_out.series[s].atPeak[m_bucket] = m_live[s];
            m_recordedFor[s] = m_peakId;
        }
        m_lastChange[s] = ++m_seq;
    }

    // A release the model counted as temporary (its count rose by the difference) was of
    // `block`, the one the event released.
    void creditTemporary(const std::optional<reader::LiveBlock>& block, uint64_t temporaryBefore)
    {
        const uint64_t count = m_model.heap().temporary() - temporaryBefore;
        if (block && count) m_threads.temporary(*block, count);
    }

    std::optional<reader::LiveBlock> releaseAt(uint64_t address, uint64_t timeUs)
    {
        const reader::LiveBlock* block = m_model.heap().liveBlocks().find(address);
        if (!block) return std::nullopt;
        m_threads.released(*block);
        const uint32_t s = seriesOf(block->stack);
        beginChange(s);
        m_live[s] -= block->size;
        Lifetime& l = m_out.series[s].lifetimes[SeriesHistory::key(bucketOf(block->timeUs), bucketOf(timeUs))];
        l.bytes += block->size;
        l.blocks += 1;
        return *block;
    }

    void added(uint64_t address)
    {
        const reader::LiveBlock* block = m_model.heap().liveBlocks().find(address);
        if (!block) return;
        m_threads.added(*block);
        const uint32_t s = seriesOf(block->stack);
        beginChange(s);
        m_live[s] += block->size;
    }

    // Soak: a snapshot set stacks' live bytes directly; each series takes the sum of its stacks.
    // O(stacks) per snapshot, and snapshots are few.
    void settleSeriesFromStacks()
    {
        std::vector<uint64_t> live(m_live.size(), 0);
        const auto& stats = m_model.heap().stacks();
        for (uint32_t i = 0; i < stats.size(); ++i) live[seriesOf(i)] += stats[i].liveBytes;
        for (uint32_t s = 0; s < m_live.size(); ++s) {
            if (live[s] == m_live[s]) continue;
            beginChange(s);
            m_live[s] = live[s];
        }
    }

    // Settles the current bucket: series untouched since its peak still hold their peak value.
    void closeBucket()
    {
        for (uint32_t s = 0; s < m_live.size(); ++s) {
            if (m_recordedFor[s] != m_peakId) m_out.series[s].atPeak[m_bucket] = m_live[s];
            m_out.series[s].liveAtEnd[m_bucket] = m_live[s];
        }
    }

    void fillQuietBucket(uint32_t b)
    {
        m_out.heapMax[b] = m_model.heap().heapBytes();
        for (uint32_t s = 0; s < m_live.size(); ++s) {
            m_out.series[s].atPeak[b] = m_live[s];
            m_out.series[s].liveAtEnd[b] = m_live[s];
        }
    }

    void enterBucket(uint64_t timeUs)
    {
        const uint32_t b = bucketOf(timeUs);
        if (b <= m_bucket) return;
        closeBucket();
        for (uint32_t q = m_bucket + 1; q < b; ++q) fillQuietBucket(q);
        m_bucket = b;
        // The heap as the bucket starts is its first candidate peak.
        m_out.heapMax[b] = m_model.heap().heapBytes();
        newBucketPeak();
    }

    StackHistory& m_out;
    ThreadStackTotals m_noThreads;  // where the per-thread values go when nobody asked for them
    ThreadStackTotals& m_threads;
    uint64_t m_globalPeak = 0;
    reader::CaptureModel m_model;
    std::vector<uint32_t> m_seriesOf;  // stack index -> series (kRest: the rest)
    uint32_t m_rest = 0;
    std::vector<uint64_t> m_live;
    std::vector<uint64_t> m_lastChange;
    std::vector<uint64_t> m_recordedFor;
    uint64_t m_seq = 0;
    uint64_t m_peakSeq = 0;
    uint64_t m_peakId = 1;
    uint32_t m_bucket = 0;
};

}  // namespace

StackHistory recordStackHistory(const std::string& path, const std::vector<uint32_t>& trackedStacks, uint64_t durationUs,
                                uint32_t buckets, ThreadStackTotals* threads)
{
    StackHistory history;
    history.buckets = std::max<uint32_t>(1, std::min<uint32_t>(buckets, 0xfffe));
    history.bucketUs = std::max<uint64_t>(1, (durationUs + history.buckets) / history.buckets);
    HistorySink sink(history, trackedStacks, threads);
    const reader::StreamResult result = reader::streamCaptureTo(path, sink);
    sink.finish();
    if (threads) threads->finish();
    history.complete = result.usable();
    return history;
}

void mergeSeries(SeriesHistory& into, const SeriesHistory& from)
{
    for (size_t b = 0; b < into.liveAtEnd.size(); ++b) {
        into.liveAtEnd[b] += from.liveAtEnd[b];
        into.atPeak[b] += from.atPeak[b];
    }
    for (const auto& [key, l] : from.lifetimes) {
        Lifetime& t = into.lifetimes[key];
        t.bytes += l.bytes;
        t.blocks += l.blocks;
    }
}

}  // namespace memtrace::report::html
