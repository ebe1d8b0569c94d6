// Malloc-family accounting: live blocks, per-stack totals, per-kind totals and the global
// heap peak with what every stack held at that instant, all in O(1) per event.
//
// Counting rules (the summary's numbers follow them exactly):
//   allocations      Alloc records with a nonzero address, plus Reallocs that produce a block
//                    (size > 0 or new address != 0); a Realloc is ONE allocation of its kind.
//   allocatedBytes   sum of their sizes.
//   frees            Free records whose address was live, plus Reallocs whose nonzero old
//                    address was live. Free(0) is ignored.
//   freesUnmatched   Free records / realloc old addresses not live (allocated before tracking
//                    started or by an untracked path); otherwise ignored.
//   anomalies        an Alloc at an address already live: the old block is released first.
//   temporary        blocks released - by a Free record or as the old block of a Realloc -
//                    before the thread that allocated them made another allocation. Like
//                    heaptrack, a realloc chain's steps count; unlike heaptrack, whose one
//                    "last allocation" is the process's and is cleared by every free, it is
//                    per thread and frees of other blocks in between do not matter (so python3
//                    shows 750 here, 728 under heaptrack).
//
// Peak at O(1) per event (the lazy epoch trick): every change is numbered (seq). A stack
// records `live` into `peakBytes` only when it is about to change after the current peak was
// set; stacks untouched since the peak still hold their peak value in `live`, which finish()
// copies. A new peak just moves (peakSeq, peak); nothing is scanned.
//
// Per thread (ThreadStats): the same totals for the blocks each thread allocated, kept in the
// slot that already holds the thread's latest allocation (touched by every event anyway); a
// thread's change takes the seq of the stack change it goes with, so the same lazy rule gives
// what the thread's blocks held at the global peak.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "flat_hash_map.h"
#include "ids.h"
#include "kind_totals.h"
#include "memtrace/format.h"
#include "prefetch.h"
#include "size_histogram.h"
#include "snapshot_record.h"

namespace memtrace::reader {

struct LiveBlock {
    uint64_t size = 0;
    uint64_t timeUs = 0;
    uint32_t stack = 0;   // StackIndex value
    uint32_t thread = 0;  // ThreadIndex value
    uint32_t blocks = 1;  // blocks it stands for: 1, or the estimate of a sampled block (sample_weights.h)
    format::AllocatorKind kind{};
};

struct StackStats {
    uint64_t allocations = 0;
    uint64_t allocatedBytes = 0;
    uint64_t frees = 0;
    uint64_t temporary = 0;
    uint64_t liveBytes = 0;
    uint64_t liveBlocks = 0;
    uint64_t peakBytes = 0;  // bytes this stack held at the global heap peak (after finish())
    uint64_t firstAllocUs = ~0ull;
    uint64_t lastAllocUs = 0;
    format::AllocatorKind kind{};  // of the stack's first allocation
    // lazy peak bookkeeping
    uint64_t lastChangeSeq = 0;
    uint64_t peakRecordedFor = 0;
};

// The blocks one thread allocated (a block belongs to its allocating thread, wherever it is
// freed). Not kept for soak captures, whose snapshots have no threads.
struct ThreadStats {
    uint64_t latestAlloc = 0;  // address + 1 of the thread's latest allocation; 0 = none
    uint64_t allocations = 0;
    uint64_t allocatedBytes = 0;
    uint64_t temporary = 0;
    uint64_t liveBytes = 0;
    uint64_t liveBlocks = 0;
    uint64_t peakBytes = 0;  // at the global heap peak (after finish())
    uint64_t lastChangeSeq = 0;
    uint64_t peakRecordedFor = 0;
};

class HeapTracker {
public:
    HeapTracker();

    // Grows the per-stack table to cover stack indexes [0, count).
    void reserveStacks(size_t count);

    // `size` and `blocks` are what the block stands for: for a sampled block (AllocWeighted)
    // its estimated bytes and blocks, so every total below is an estimate (docs/SAMPLING.md).
    // Inline: the model's decode loop (RecordDecoder::decodeHotRun) calls them once per event.
    void alloc(format::AllocatorKind kind, uint64_t address, uint64_t size, StackIndex stack, ThreadIndex thread, uint64_t timeUs,
               uint32_t blocks = 1)
    {
        if (address == 0) return;  // a failed allocation holds nothing
        add(kind, address, size, stack, thread, timeUs, blocks);
    }
    void free(format::AllocatorKind kind, uint64_t address);
    // A hint that an event on `address` comes soon: loads its live-table slot.
    void prefetch(uint64_t address) const { m_live.prefetch(address); }
    // A hint that an allocation by stack `stack` (a StackIndex value) comes soon: loads its
    // totals (both lines a StackStats may straddle), which with many stacks are not cached.
    void prefetchStack(uint32_t stack) const
    {
        if (stack >= m_stacks.size()) return;
        const char* at = reinterpret_cast<const char*>(&m_stacks[stack]);
        prefetchLine(at);
        prefetchLine(at + sizeof(StackStats) - 1);
    }
    size_t liveTableBytes() const { return m_live.slotBytes(); }
    // alloc() and, at once, free() of the same address: a temporary block. The same effects,
    // without inserting the block into the live table and erasing it again when it can be
    // skipped (the address was not live and the table would not grow). Returns heapBytes()
    // as it was between the two.
    uint64_t allocThenFree(format::AllocatorKind kind, uint64_t address, uint64_t size, StackIndex stack, ThreadIndex thread,
                           uint64_t timeUs, format::AllocatorKind freeKind)
    {
        if (address == 0 || !m_live.insertsInPlace(address)) [[unlikely]] {
            alloc(kind, address, size, stack, thread, timeUs);
            const uint64_t between = m_heapBytes;
            free(freeKind, address);
            return between;
        }
        const LiveBlock block{size, timeUs, stack.value(), thread.value(), 1, kind};
        countAdd(block, address);
        const uint64_t between = m_heapBytes;
        countRelease(block);
        countFree(freeKind, address, block);
        return between;
    }
    void realloc(format::AllocatorKind kind, uint64_t oldAddress, uint64_t newAddress, uint64_t size, StackIndex stack,
                 ThreadIndex thread, uint64_t timeUs);
    // Settles the lazy peak values. Call once, after the last event.
    void finish();

    // Soak captures (snapshot_state.h): a stack's cumulative values from a Snapshot entry, and
    // the totals of a Snapshot part. The peak is the exact one the shim counted; what each
    // stack held at the peak is taken at the snapshot with the largest heap (snapshot
    // resolution), with the same lazy bookkeeping as events.
    void applySnapshotEntry(const SnapshotEntry& entry, StackIndex stack, uint64_t timeUs);
    void applySnapshotTotals(const SnapshotTotals& totals, uint64_t timeUs);

    uint64_t heapBytes() const { return m_heapBytes; }
    uint64_t peakBytes() const { return m_peakBytes; }
    uint64_t peakTimeUs() const { return m_peakTimeUs; }
    uint64_t allocations() const { return m_allocations; }
    uint64_t allocatedBytes() const { return m_allocatedBytes; }
    uint64_t frees() const { return m_frees; }
    uint64_t freedBytes() const { return m_freedBytes; }
    uint64_t freesUnmatched() const { return m_freesUnmatched; }
    uint64_t anomalies() const { return m_anomalies; }
    uint64_t temporary() const { return m_temporary; }

    // The thread made an allocation the capture does not hold (AllocationUnrecorded): its
    // latest recorded block is no longer its latest allocation, so freeing it is not temporary.
    void forgetLatestAllocation(ThreadIndex thread) { threadSlot(thread.value())->latestAlloc = 0; }

    // Calls f(thread index, ThreadStats) for every thread that allocated, in index order.
    template <typename F>
    void forEachThread(F&& f) const
    {
        for (uint32_t i = 0; i < m_threadsDense.size(); ++i)
            if (m_threadsDense[i].allocations > 0) f(i, m_threadsDense[i]);
        std::vector<std::pair<uint64_t, const ThreadStats*>> rest;
        m_threadsSparse.forEach([&](uint64_t index, const ThreadStats& t) {
            if (t.allocations > 0) rest.emplace_back(index, &t);
        });
        std::sort(rest.begin(), rest.end());
        for (const auto& [index, t] : rest) f(static_cast<uint32_t>(index), *t);
    }

    const std::vector<StackStats>& stacks() const { return m_stacks; }
    const KindTable& byKind() const { return m_byKind; }
    const SizeHistogram& sizes() const { return m_sizes; }  // empty in soak captures
    const FlatHashMap64<LiveBlock>& liveBlocks() const { return m_live; }

private:
    void add(format::AllocatorKind kind, uint64_t address, uint64_t size, StackIndex stack, ThreadIndex thread, uint64_t timeUs,
             uint32_t blocks = 1);
    void countAdd(const LiveBlock& block, uint64_t address);
    void countRelease(const LiveBlock& block);
    void countFree(format::AllocatorKind kind, uint64_t address, const LiveBlock& block);
    void replaceLive(format::AllocatorKind kind, uint64_t address, const LiveBlock& block);
    bool release(format::AllocatorKind kind, uint64_t address, LiveBlock& block);
    StackStats& beginChange(uint32_t stack);
    ThreadStats& beginThreadChange(uint32_t thread);
    void settle(ThreadStats& t) const;
    void growStacks(uint32_t stack);

    FlatHashMap64<LiveBlock> m_live;
    // thread index -> its totals and latest allocation. Thread indexes are dense from 1: a
    // vector below kDenseThreads, the map for the rest (a corrupt or odd capture). A pointer
    // into the map is good until the next insertion.
    static constexpr uint32_t kDenseThreads = 1u << 16;
    ThreadStats* threadSlot(uint32_t thread)
    {
        if (thread < m_threadsDense.size()) [[likely]] return &m_threadsDense[thread];
        return threadSlotSlow(thread);
    }
    ThreadStats* threadSlotSlow(uint32_t thread);
    std::vector<ThreadStats> m_threadsDense;
    FlatHashMap64<ThreadStats> m_threadsSparse;
    std::vector<StackStats> m_stacks;
    KindTable m_byKind{};
    SizeHistogram m_sizes;
    uint64_t m_seq = 0;
    uint64_t m_peakSeq = 0;
    uint64_t m_heapBytes = 0;
    uint64_t m_peakBytes = 0;
    uint64_t m_peakTimeUs = 0;
    uint64_t m_allocations = 0;
    uint64_t m_allocatedBytes = 0;
    uint64_t m_frees = 0;
    uint64_t m_freedBytes = 0;
    uint64_t m_freesUnmatched = 0;
    uint64_t m_anomalies = 0;
    uint64_t m_temporary = 0;
    uint64_t m_snapshotPeak = 0;  // largest heap at a complete snapshot (soak)
};

// Called before stack `stack` changes: if the current peak was set after the stack's last
// change, the stack's live bytes are still what it held at the peak; keep them.
inline StackStats& HeapTracker::beginChange(uint32_t stack)
{
    if (stack >= m_stacks.size()) [[unlikely]] growStacks(stack);
    StackStats& s = m_stacks[stack];
    if (s.peakRecordedFor != m_peakSeq && s.lastChangeSeq <= m_peakSeq) {
        s.peakBytes = s.liveBytes;
        s.peakRecordedFor = m_peakSeq;
    }
    s.lastChangeSeq = ++m_seq;
    return s;
}

// The same for the thread of a block, right after its stack's beginChange: one change, one seq.
inline ThreadStats& HeapTracker::beginThreadChange(uint32_t thread)
{
    ThreadStats& t = *threadSlot(thread);
    if (t.peakRecordedFor != m_peakSeq && t.lastChangeSeq <= m_peakSeq) {
        t.peakBytes = t.liveBytes;
        t.peakRecordedFor = m_peakSeq;
    }
    t.lastChangeSeq = m_seq;
    return t;
}

inline void HeapTracker::add(format::AllocatorKind kind, uint64_t address, uint64_t size, StackIndex stack, ThreadIndex thread,
                             uint64_t timeUs, uint32_t blocks)
{
    const LiveBlock block{size, timeUs, stack.value(), thread.value(), blocks, kind};
    // An address still live means its free was not seen: the old block is released first.
    if (!m_live.insert(address, block).second) [[unlikely]] replaceLive(kind, address, block);
    countAdd(block, address);
}

// The totals of adding `block` (already in the live table, or skipped by allocThenFree).
[[gnu::always_inline]] inline void HeapTracker::countAdd(const LiveBlock& block, uint64_t address)
{
    StackStats& s = beginChange(block.stack);
    s.allocations += block.blocks;
    s.allocatedBytes += block.size;
    s.liveBytes += block.size;
    s.liveBlocks += block.blocks;
    if (s.firstAllocUs == ~0ull) [[unlikely]] {
        s.firstAllocUs = block.timeUs;
        s.kind = block.kind;
    }
    s.lastAllocUs = block.timeUs;
    ThreadStats& t = beginThreadChange(block.thread);
    t.allocations += block.blocks;
    t.allocatedBytes += block.size;
    t.liveBytes += block.size;
    t.liveBlocks += block.blocks;
    t.latestAlloc = address + 1;

    KindTotals& k = m_byKind[static_cast<uint8_t>(block.kind)];
    k.count += block.blocks;
    k.bytes += block.size;
    m_allocations += block.blocks;
    m_allocatedBytes += block.size;
    m_sizes.add(block.size, block.blocks);
    m_heapBytes += block.size;
    if (m_heapBytes > m_peakBytes) {
        m_peakBytes = m_heapBytes;
        m_peakSeq = m_seq;
        m_peakTimeUs = block.timeUs;
    }
}

// The stack's side of removing a live block.
inline void HeapTracker::countRelease(const LiveBlock& block)
{
    StackStats& s = beginChange(block.stack);
    s.liveBytes -= block.size;
    s.liveBlocks -= block.blocks;
    ThreadStats& t = beginThreadChange(block.thread);
    t.liveBytes -= block.size;
    t.liveBlocks -= block.blocks;
    m_heapBytes -= block.size;
}

// Removes the live block at address (which must be live) and updates its stack. The caller
// counts the free (kinds and totals) — anomalies do not count as frees.
inline bool HeapTracker::release(format::AllocatorKind, uint64_t address, LiveBlock& block)
{
    if (!m_live.erase(address, &block)) return false;
    countRelease(block);
    return true;
}

[[gnu::always_inline]] inline void HeapTracker::free(format::AllocatorKind kind, uint64_t address)
{
    if (address == 0) return;
    LiveBlock block;
    if (!release(kind, address, block)) [[unlikely]] {
        ++m_freesUnmatched;
        return;
    }
    countFree(kind, address, block);
}

// The totals of a Free record that released `block`.
inline void HeapTracker::countFree(format::AllocatorKind kind, uint64_t address, const LiveBlock& block)
{
    StackStats& s = m_stacks[block.stack];
    s.frees += block.blocks;
    ThreadStats& t = *threadSlot(block.thread);
    if (t.latestAlloc == address + 1) {
        // The owner's most recent allocation is this very block: nothing was allocated by that
        // thread between its allocation and this free.
        m_temporary += block.blocks;
        s.temporary += block.blocks;
        t.temporary += block.blocks;
    }
    KindTotals& k = m_byKind[static_cast<uint8_t>(kind)];
    k.count += block.blocks;
    k.bytes += block.size;
    m_frees += block.blocks;
    m_freedBytes += block.size;
}

}  // namespace memtrace::reader
