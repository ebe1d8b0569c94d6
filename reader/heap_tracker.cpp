#include "heap_tracker.h"

#include <algorithm>

namespace memtrace::reader {

HeapTracker::HeapTracker() { m_stacks.resize(1); }

void HeapTracker::reserveStacks(size_t count)
{
    if (m_stacks.size() < count) m_stacks.resize(count);
}

// Called before stack `stack` changes: if the current peak was set after the stack's last
// change, the stack's live bytes are still what it held at the peak; keep them.
StackStats& HeapTracker::beginChange(uint32_t stack)
{
    if (stack >= m_stacks.size()) m_stacks.resize(stack + 1);
    StackStats& s = m_stacks[stack];
    if (s.peakRecordedFor != m_peakSeq && s.lastChangeSeq <= m_peakSeq) {
        s.peakBytes = s.liveBytes;
        s.peakRecordedFor = m_peakSeq;
    }
    s.lastChangeSeq = ++m_seq;
    return s;
}

void HeapTracker::add(format::AllocatorKind kind, uint64_t address, uint64_t size, StackIndex stack, ThreadIndex thread,
                      uint64_t timeUs, uint32_t blocks)
{
    LiveBlock block{size, timeUs, stack.value(), thread.value(), blocks, kind};
    auto [slot, inserted] = m_live.insert(address, block);
    if (!inserted) {
        // The address is still live: its free was not seen. Release the old block first.
        ++m_anomalies;
        LiveBlock old;
        release(kind, address, old);
        m_live.insert(address, block);
    }
    StackStats& s = beginChange(stack.value());
    s.allocations += blocks;
    s.allocatedBytes += size;
    s.liveBytes += size;
    s.liveBlocks += blocks;
    if (s.firstAllocUs == ~0ull) {
        s.firstAllocUs = timeUs;
        s.kind = kind;
    }
    s.lastAllocUs = timeUs;

    KindTotals& k = m_byKind[static_cast<uint8_t>(kind)];
    k.count += blocks;
    k.bytes += size;
    m_allocations += blocks;
    m_allocatedBytes += size;
    m_heapBytes += size;
    if (m_heapBytes > m_peakBytes) {
        m_peakBytes = m_heapBytes;
        m_peakSeq = m_seq;
        m_peakTimeUs = timeUs;
    }
    *lastAllocSlot(thread.value()) = address + 1;
}

uint64_t* HeapTracker::lastAllocSlot(uint32_t thread)
{
    if (thread < kDenseThreads) [[likely]] {
        if (thread >= m_lastAllocDense.size()) m_lastAllocDense.resize(std::max<size_t>(thread + 1, 2 * m_lastAllocDense.size()));
        return &m_lastAllocDense[thread];
    }
    return m_lastAllocByThread.insert(thread, 0).first;
}

// Removes the live block at address (which must be live) and updates its stack. The caller
// counts the free (kinds and totals) — anomalies do not count as frees.
bool HeapTracker::release(format::AllocatorKind, uint64_t address, LiveBlock& block)
{
    if (!m_live.erase(address, &block)) return false;
    StackStats& s = beginChange(block.stack);
    s.liveBytes -= block.size;
    s.liveBlocks -= block.blocks;
    m_heapBytes -= block.size;
    return true;
}

void HeapTracker::alloc(format::AllocatorKind kind, uint64_t address, uint64_t size, StackIndex stack, ThreadIndex thread,
                        uint64_t timeUs, uint32_t blocks)
{
    if (address == 0) return;  // a failed allocation holds nothing
    add(kind, address, size, stack, thread, timeUs, blocks);
}

void HeapTracker::free(format::AllocatorKind kind, uint64_t address)
{
    if (address == 0) return;
    LiveBlock block;
    if (!release(kind, address, block)) {
        ++m_freesUnmatched;
        return;
    }
    StackStats& s = m_stacks[block.stack];
    s.frees += block.blocks;
    if (*lastAllocSlot(block.thread) == address + 1) {
        // The owner's most recent allocation is this very block: nothing was allocated by that
        // thread between its allocation and this free.
        m_temporary += block.blocks;
        s.temporary += block.blocks;
    }
    KindTotals& k = m_byKind[static_cast<uint8_t>(kind)];
    k.count += block.blocks;
    k.bytes += block.size;
    m_frees += block.blocks;
    m_freedBytes += block.size;
}

void HeapTracker::realloc(format::AllocatorKind kind, uint64_t oldAddress, uint64_t newAddress, uint64_t size,
                          StackIndex stack, ThreadIndex thread, uint64_t timeUs)
{
    // A failed resize (size > 0, no new block) leaves the old block where it was.
    if (newAddress == 0 && size > 0) return;
    if (oldAddress != 0) {
        LiveBlock block;
        if (release(kind, oldAddress, block)) {
            m_stacks[block.stack].frees += block.blocks;
            m_frees += block.blocks;
            m_freedBytes += block.size;
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

void HeapTracker::finish()
{
    for (StackStats& s : m_stacks) {
        if (s.peakRecordedFor != m_peakSeq) {
            s.peakBytes = s.liveBytes;
            s.peakRecordedFor = m_peakSeq;
        }
    }
}

}  // namespace memtrace::reader
