#include "stack_table.h"

#include <cstring>

#include "sys_memory.h"

namespace memtrace::shim {

bool StackTable::init(uint32_t slotBits, size_t frameArenaBytes)
{
    const uint64_t slots = uint64_t{1} << slotBits;
    m_slotMask = slots - 1;
    m_maxIds = static_cast<uint32_t>(slots / 2);  // load factor <= 1/2 keeps probes short
    m_slotBytes = slots * sizeof(std::atomic<uint64_t>);
    m_entryBytes = size_t{m_maxIds} * sizeof(Entry);
    m_frameBytes = frameArenaBytes;
    m_frameCapacity = frameArenaBytes / sizeof(uint64_t);
    m_slots = static_cast<std::atomic<uint64_t>*>(mapAnonymous(m_slotBytes, true));
    m_entries = static_cast<Entry*>(mapAnonymous(m_entryBytes, true));
    m_frames = static_cast<uint64_t*>(mapAnonymous(m_frameBytes, true));
    if (!m_slots || !m_entries || !m_frames) {
        destroy();
        return false;
    }
    return true;
}

void StackTable::destroy()
{
    unmapAnonymous(m_slots, m_slotBytes);
    unmapAnonymous(m_entries, m_entryBytes);
    unmapAnonymous(m_frames, m_frameBytes);
    m_slots = nullptr;
    m_entries = nullptr;
    m_frames = nullptr;
}

bool StackTable::sameStack(uint32_t id, const uint64_t* frames, uint32_t depth, uint64_t hash) const
{
    const Entry& e = m_entries[id];
    return e.hash == hash && e.depth == depth &&
           std::memcmp(m_frames + e.offset, frames, depth * sizeof(uint64_t)) == 0;
}

bool StackTable::matches(StackId id, const uint64_t* frames, uint32_t depth, uint64_t hash) const
{
    const uint32_t i = static_cast<uint32_t>(id);
    if (i == 0 || i >= m_maxIds) return false;
    const uint32_t state = m_entries[i].state.load(std::memory_order_acquire);
    return (state == Ready || state == Emitted) && sameStack(i, frames, depth, hash);
}

StackId StackTable::intern(const uint64_t* frames, uint32_t depth, uint64_t hash)
{
    const uint64_t tag = hash >> 32;
    const uint64_t home = hash & m_slotMask;

    // Look-up.
    for (uint64_t i = home;; i = (i + 1) & m_slotMask) {
        const uint64_t v = m_slots[i].load(std::memory_order_acquire);
        if (v == 0) break;
        if ((v >> 32) == tag && sameStack(static_cast<uint32_t>(v), frames, depth, hash))
            return static_cast<StackId>(static_cast<uint32_t>(v));
    }
    if (m_full.load(std::memory_order_relaxed)) return StackId::None;

    // New stack: publish the entry, then link it.
    const uint32_t id = m_nextId.fetch_add(1, std::memory_order_relaxed);
    if (id >= m_maxIds) {
        m_full.store(true, std::memory_order_relaxed);
        return StackId::None;
    }
    Entry& e = m_entries[id];
    const uint64_t offset = m_framesUsed.fetch_add(depth, std::memory_order_relaxed);
    if (offset + depth > m_frameCapacity) {
        m_full.store(true, std::memory_order_relaxed);
        e.state.store(Dead, std::memory_order_release);
        return StackId::None;
    }
    std::memcpy(m_frames + offset, frames, depth * sizeof(uint64_t));
    e.hash = hash;
    e.offset = offset;
    e.depth = depth;
    e.state.store(Ready, std::memory_order_release);

    const uint64_t mine = (tag << 32) | id;
    for (uint64_t i = home;; i = (i + 1) & m_slotMask) {
        uint64_t v = m_slots[i].load(std::memory_order_acquire);
        if (v == 0) {
            if (m_slots[i].compare_exchange_strong(v, mine, std::memory_order_acq_rel, std::memory_order_acquire))
                return static_cast<StackId>(id);
            // Lost the slot: v now holds the winner's value; check it like any other.
        }
        if ((v >> 32) == tag && sameStack(static_cast<uint32_t>(v), frames, depth, hash))
            return static_cast<StackId>(static_cast<uint32_t>(v));
    }
}

uint32_t StackTable::idLimit() const
{
    const uint32_t n = m_nextId.load(std::memory_order_acquire);
    return n < m_maxIds ? n : m_maxIds;
}

void StackTable::resetForNewCapture()
{
    const uint32_t limit = idLimit();
    for (uint32_t id = 1; id < limit; ++id) {
        Entry& e = m_entries[id];
        const uint32_t state = e.state.load(std::memory_order_relaxed);
        if (state == Emitted) e.state.store(Ready, std::memory_order_relaxed);
        else if (state == Pending) e.state.store(Dead, std::memory_order_relaxed);
    }
    m_scanFrom = 1;
}

}  // namespace memtrace::shim
