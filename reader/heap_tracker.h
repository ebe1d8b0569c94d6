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
//   temporary        blocks released by a Free record before the thread that allocated them
//                    made another allocation (heaptrack's definition).
//
// Peak at O(1) per event (the lazy epoch trick): every change is numbered (seq). A stack
// records `live` into `peakBytes` only when it is about to change after the current peak was
// set; stacks untouched since the peak still hold their peak value in `live`, which finish()
// copies. A new peak just moves (peakSeq, peak); nothing is scanned.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "flat_hash_map.h"
#include "ids.h"
#include "kind_totals.h"
#include "memtrace/format.h"
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

class HeapTracker {
public:
    HeapTracker();

    // Grows the per-stack table to cover stack indexes [0, count).
    void reserveStacks(size_t count);

    // `size` and `blocks` are what the block stands for: for a sampled block (AllocWeighted)
    // its estimated bytes and blocks, so every total below is an estimate (docs/SAMPLING.md).
    void alloc(format::AllocatorKind kind, uint64_t address, uint64_t size, StackIndex stack, ThreadIndex thread, uint64_t timeUs,
               uint32_t blocks = 1);
    void free(format::AllocatorKind kind, uint64_t address);
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

    const std::vector<StackStats>& stacks() const { return m_stacks; }
    const KindTable& byKind() const { return m_byKind; }
    const FlatHashMap64<LiveBlock>& liveBlocks() const { return m_live; }

private:
    void add(format::AllocatorKind kind, uint64_t address, uint64_t size, StackIndex stack, ThreadIndex thread, uint64_t timeUs,
             uint32_t blocks = 1);
    bool release(format::AllocatorKind kind, uint64_t address, LiveBlock& block);
    StackStats& beginChange(uint32_t stack);

    FlatHashMap64<LiveBlock> m_live;
    // thread index -> address of its last allocation (+1; 0 = none). Thread indexes are dense
    // from 1: a vector below kDenseThreads, the map for the rest (a corrupt or odd capture).
    static constexpr uint32_t kDenseThreads = 1u << 16;
    uint64_t* lastAllocSlot(uint32_t thread);
    std::vector<uint64_t> m_lastAllocDense;
    FlatHashMap64<uint64_t> m_lastAllocByThread;
    std::vector<StackStats> m_stacks;
    KindTable m_byKind{};
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

}  // namespace memtrace::reader
