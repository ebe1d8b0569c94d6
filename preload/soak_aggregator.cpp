#include "soak_aggregator.h"

#include <cstring>

#include "stack_hash.h"
#include "sys_memory.h"

namespace memtrace::shim {
namespace {

constexpr size_t kInitialLiveSlots = size_t{1} << 16;  // power of two
constexpr size_t kInitialStacks = 4096;
constexpr size_t kEntriesPerPart = 2048;  // a part stays ~150 KiB, far below the payload buffer
constexpr size_t kEntryBound = 2 + 7 * varint::kMaxBytes;
constexpr size_t kHeaderBound = 16 + 13 * varint::kMaxBytes +
                                static_cast<size_t>(format::AllocatorKind::Count) * (1 + 2 * varint::kMaxBytes);

size_t slotOf(uint64_t address, size_t mask) { return static_cast<size_t>(mix64(address, 0x9e3779b97f4a7c15ull)) & mask; }

}  // namespace

template <typename T>
bool RawArray<T>::reserve(size_t count)
{
    if (count <= capacity) return true;
    size_t grown = capacity ? capacity : 64;
    while (grown < count) grown *= 2;
    auto* fresh = static_cast<T*>(mapAnonymous(grown * sizeof(T)));
    if (!fresh) return false;
    if (data) std::memcpy(static_cast<void*>(fresh), data, capacity * sizeof(T));
    unmapAnonymous(data, capacity * sizeof(T));
    data = fresh;
    capacity = grown;
    return true;
}

template <typename T>
void RawArray<T>::release()
{
    unmapAnonymous(data, capacity * sizeof(T));
    data = nullptr;
    capacity = 0;
}

bool SoakAggregator::init()
{
    if (m_live.data) return true;
    m_failed = !(m_live.reserve(kInitialLiveSlots) && m_stacks.reserve(kInitialStacks) &&
                 m_changed.reserve(kInitialStacks) && m_lastAlloc.reserve(256));
    return !m_failed;
}

void SoakAggregator::reset()
{
    // Fresh zeroed mappings: cheaper to map again than to clear pages that were never touched.
    m_live.release();
    m_stacks.release();
    m_changed.release();
    m_lastAlloc.release();
    *this = SoakAggregator{};
    init();
}

SoakStackTotals* SoakAggregator::stackTotals(uint32_t stack)
{
    if (!m_stacks.reserve(size_t{stack} + 1)) {
        m_failed = true;
        return nullptr;
    }
    return &m_stacks.data[stack];
}

void SoakAggregator::markChanged(uint32_t stack, SoakStackTotals& s)
{
    if (s.changed) return;
    if (!m_changed.reserve(m_changedCount + 1)) {
        m_failed = true;
        return;
    }
    s.changed = true;
    m_changed.data[m_changedCount++] = stack;
}

uint64_t* SoakAggregator::lastAllocSlot(uint32_t thread)
{
    if (!m_lastAlloc.reserve(size_t{thread} + 1)) return nullptr;
    return &m_lastAlloc.data[thread];
}

bool SoakAggregator::growLive()
{
    RawArray<SoakLiveBlock> old = m_live;
    RawArray<SoakLiveBlock> grown;
    if (!grown.reserve(old.capacity * 2)) return false;
    const size_t mask = grown.capacity - 1;
    for (size_t i = 0; i < old.capacity; ++i) {
        const SoakLiveBlock& b = old.data[i];
        if (b.address == 0) continue;
        size_t at = slotOf(b.address, mask);
        while (grown.data[at].address != 0) at = (at + 1) & mask;
        grown.data[at] = b;
    }
    old.release();
    m_live = grown;
    return true;
}

// Removes the block at address; false if it is not live.
bool SoakAggregator::release(uint64_t address, SoakLiveBlock& out)
{
    const size_t mask = m_live.capacity - 1;
    size_t at = slotOf(address, mask);
    for (;;) {
        SoakLiveBlock& b = m_live.data[at];
        if (b.address == 0) return false;
        if (b.address == address) break;
        at = (at + 1) & mask;
    }
    out = m_live.data[at];
    // Backward-shift deletion: pull later members of the probe run into the hole.
    size_t hole = at;
    for (size_t next = (hole + 1) & mask;; next = (next + 1) & mask) {
        SoakLiveBlock& b = m_live.data[next];
        if (b.address == 0) break;
        const size_t home = slotOf(b.address, mask);
        // b may move to the hole if its home is not in (hole, next] (cyclically).
        const bool homeInRange = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
        if (homeInRange) continue;
        m_live.data[hole] = b;
        hole = next;
    }
    m_live.data[hole].address = 0;
    --m_liveCount;

    SoakStackTotals* s = stackTotals(out.stack);
    if (s) {
        s->liveBytes -= out.size;
        s->liveBlocks -= 1;
        markChanged(out.stack, *s);
    }
    m_heapBytes -= out.size;
    m_heapBlocks -= 1;
    return true;
}

void SoakAggregator::add(format::AllocatorKind kind, uint64_t address, uint64_t size, uint32_t stack, uint32_t thread)
{
    SoakLiveBlock old;
    if (release(address, old)) ++m_anomalies;  // its free was not seen: release it uncounted
    if ((m_liveCount + 1) * 4 > m_live.capacity * 3 && !growLive()) {
        m_failed = true;
        return;
    }
    const size_t mask = m_live.capacity - 1;
    size_t at = slotOf(address, mask);
    while (m_live.data[at].address != 0) at = (at + 1) & mask;
    m_live.data[at] = SoakLiveBlock{address, size, stack, thread};
    ++m_liveCount;

    SoakStackTotals* s = stackTotals(stack);
    if (!s) return;
    if (!s->seen) {
        s->seen = true;
        s->kind = kind;
    }
    s->allocations += 1;
    s->allocatedBytes += size;
    s->liveBytes += size;
    s->liveBlocks += 1;
    markChanged(stack, *s);
    m_kinds[static_cast<uint8_t>(kind)].count += 1;
    m_kinds[static_cast<uint8_t>(kind)].bytes += size;
    m_allocations += 1;
    m_allocatedBytes += size;
    m_heapBytes += size;
    m_heapBlocks += 1;
    if (m_heapBytes > m_peakBytes) m_peakBytes = m_heapBytes;
    if (uint64_t* last = lastAllocSlot(thread)) *last = address + 1;
}

// A Free (countKind) or the release part of a realloc (counted as a free, not in the kinds).
void SoakAggregator::releaseCounted(format::AllocatorKind kind, uint64_t address, bool countKind)
{
    SoakLiveBlock block;
    if (!release(address, block)) {
        ++m_freesUnmatched;
        return;
    }
    m_frees += 1;
    m_freedBytes += block.size;
    SoakStackTotals* s = stackTotals(block.stack);
    if (s) s->frees += 1;
    // Temporary: released (by free or by a realloc) while still its thread's latest allocation.
    const uint64_t* last = lastAllocSlot(block.thread);
    if (last && *last == address + 1) {
        ++m_temporary;
        if (s) s->temporary += 1;
    }
    if (!countKind) return;
    m_kinds[static_cast<uint8_t>(kind)].count += 1;
    m_kinds[static_cast<uint8_t>(kind)].bytes += block.size;
}

bool SoakAggregator::take(const RawEvent& ev)
{
    switch (ev.type) {
    case EventType::Alloc:
        if (!m_failed && ev.addr != 0) add(ev.kind, ev.addr, ev.size, ev.stack, ev.thread);
        return true;
    case EventType::Free:
        if (!m_failed && ev.addr != 0) releaseCounted(ev.kind, ev.addr, true);
        return true;
    case EventType::Realloc:
        if (m_failed || (ev.addr == 0 && ev.size > 0)) return true;  // a failed resize keeps the old block
        if (ev.oldAddr != 0) releaseCounted(ev.kind, ev.oldAddr, false);
        if (ev.addr != 0) add(ev.kind, ev.addr, ev.size, ev.stack, ev.thread);
        return true;
    case EventType::Mmap:
    case EventType::Munmap:
    case EventType::Mremap:
        return true;  // not aggregated in soak mode (docs/SOAK.md)
    default:
        return false;
    }
}

size_t SoakAggregator::partBound() const
{
    const size_t left = m_changedCount - (m_cursor < m_changedCount ? m_cursor : m_changedCount);
    const size_t entries = left < kEntriesPerPart ? left : kEntriesPerPart;
    return kHeaderBound + entries * kEntryBound;
}

// One Snapshot record (docs/FORMAT.md, "Snapshot"): the totals, then up to kEntriesPerPart
// stacks changed since the previous snapshot, with their cumulative values.
void SoakAggregator::encodePart(format::RecordEncoder& enc)
{
    const size_t left = m_changedCount - m_cursor;
    const size_t entries = left < kEntriesPerPart ? left : kEntriesPerPart;
    const bool last = entries == left;
    enc.beginExtension(format::RecordType::Snapshot);
    enc.field(m_sequence);
    enc.fieldByte(last ? 1 : 0);
    enc.field(m_heapBytes);
    enc.field(m_heapBlocks);
    enc.field(m_peakBytes);
    enc.field(m_allocations);
    enc.field(m_allocatedBytes);
    enc.field(m_frees);
    enc.field(m_freedBytes);
    enc.field(m_freesUnmatched);
    enc.field(m_anomalies);
    enc.field(m_temporary);
    uint64_t kinds = 0;
    for (const KindTotals& k : m_kinds) kinds += k.count != 0;
    enc.field(kinds);
    for (size_t k = 0; k < static_cast<size_t>(format::AllocatorKind::Count); ++k) {
        if (m_kinds[k].count == 0) continue;
        enc.fieldByte(static_cast<uint8_t>(k));
        enc.field(m_kinds[k].count);
        enc.field(m_kinds[k].bytes);
    }
    enc.field(entries);
    for (size_t i = 0; i < entries; ++i) {
        const uint32_t id = m_changed.data[m_cursor + i];
        SoakStackTotals& s = m_stacks.data[id];
        s.changed = false;
        enc.field(id);
        enc.fieldByte(static_cast<uint8_t>(s.kind));
        enc.field(s.liveBytes);
        enc.field(s.liveBlocks);
        enc.field(s.allocations);
        enc.field(s.allocatedBytes);
        enc.field(s.frees);
        enc.field(s.temporary);
    }
    enc.endExtension();
    m_cursor += entries;
    m_started = true;
    if (last) {
        m_changedCount = 0;
        m_cursor = 0;
        ++m_sequence;
    }
}

}  // namespace memtrace::shim
