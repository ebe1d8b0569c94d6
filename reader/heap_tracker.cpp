#include "heap_tracker.h"

#include <algorithm>

namespace memtrace::reader {

HeapTracker::HeapTracker() { m_stacks.resize(1); }

void HeapTracker::reserveStacks(size_t count)
{
    if (m_stacks.size() < count) m_stacks.resize(count);
}

void HeapTracker::growStacks(uint32_t stack) { m_stacks.resize(static_cast<size_t>(stack) + 1); }

void HeapTracker::replaceLive(format::AllocatorKind kind, uint64_t address, const LiveBlock& block)
{
    ++m_anomalies;
    LiveBlock old;
    release(kind, address, old);
    m_live.insert(address, block);
}

ThreadStats* HeapTracker::threadSlotSlow(uint32_t thread)
{
    if (thread < kDenseThreads) {
        // Never past kDenseThreads: a thread index takes the same slot for the whole capture.
        m_threadsDense.resize(std::min<size_t>(kDenseThreads, std::max<size_t>(thread + 1, 2 * m_threadsDense.size())));
        return &m_threadsDense[thread];
    }
    return m_threadsSparse.insert(thread, ThreadStats{}).first;
}

void HeapTracker::realloc(format::AllocatorKind kind, uint64_t oldAddress, uint64_t newAddress, uint64_t size,
                          StackIndex stack, ThreadIndex thread, uint64_t timeUs)
{
    // A failed resize (size > 0, no new block) leaves the old block where it was.
    if (newAddress == 0 && size > 0) return;
    if (oldAddress != 0) {
        LiveBlock block;
        if (release(kind, oldAddress, block)) {
            StackStats& s = m_stacks[block.stack];
            s.frees += block.blocks;
            m_frees += block.blocks;
            m_freedBytes += block.size;
            ThreadStats& t = *threadSlot(block.thread);
            if (t.latestAlloc == oldAddress + 1) {  // released as its thread's latest: temporary
                m_temporary += block.blocks;
                s.temporary += block.blocks;
                t.temporary += block.blocks;
            }
        } else {
            ++m_freesUnmatched;
        }
    }
    if (newAddress != 0) add(kind, newAddress, size, stack, thread, timeUs);
}

void HeapTracker::applySnapshotEntry(const SnapshotEntry& e, StackIndex stack, uint64_t timeUs)
{
    StackStats& s = beginChange(stack.value());
    if (e.allocations != s.allocations) s.lastAllocUs = timeUs;  // snapshot resolution
    if (s.firstAllocUs == ~0ull && e.allocations > 0) {
        s.firstAllocUs = timeUs;
        s.kind = static_cast<format::AllocatorKind>(e.kind);
    }
    s.allocations = e.allocations;
    s.allocatedBytes = e.allocatedBytes;
    s.frees = e.frees;
    s.temporary = e.temporary;
    s.liveBytes = e.liveBytes;
    s.liveBlocks = e.liveBlocks;
}

void HeapTracker::applySnapshotTotals(const SnapshotTotals& t, uint64_t timeUs)
{
    m_heapBytes = t.heapBytes;
    m_allocations = t.allocations;
    m_allocatedBytes = t.allocatedBytes;
    m_frees = t.frees;
    m_freedBytes = t.freedBytes;
    m_freesUnmatched = t.freesUnmatched;
    m_anomalies = t.anomalies;
    m_temporary = t.temporary;
    m_byKind = t.byKind;
    if (t.lastPart && (t.heapBytes > m_snapshotPeak || m_peakSeq == 0)) {
        m_snapshotPeak = t.heapBytes;
        m_peakSeq = ++m_seq;  // every stack's value now is its value "at the peak"
        m_peakTimeUs = timeUs;
    }
    m_peakBytes = std::max(m_peakBytes, t.peakBytes);
}

void HeapTracker::settle(ThreadStats& t) const
{
    if (t.peakRecordedFor != m_peakSeq) {
        t.peakBytes = t.liveBytes;
        t.peakRecordedFor = m_peakSeq;
    }
}

void HeapTracker::finish()
{
    for (StackStats& s : m_stacks) {
        if (s.peakRecordedFor != m_peakSeq) {
            s.peakBytes = s.liveBytes;
            s.peakRecordedFor = m_peakSeq;
        }
    }
    for (ThreadStats& t : m_threadsDense) settle(t);
    m_threadsSparse.forEach([&](uint64_t index, const ThreadStats&) { settle(*m_threadsSparse.find(index)); });
}

}  // namespace memtrace::reader
