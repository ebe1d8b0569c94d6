#include "stack_table.h"

#include <cstring>

#include "sys_memory.h"

namespace memtrace::shim {

bool StackTable::init(uint32_t slotBits, size_t frameArenaBytes)
{
    const uint64_t slots = uint64_t{1} << slotBits;
    m_maxIds = static_cast<uint32_t>(slots / 2);  // as many as the largest level holds at load 1/2
    m_levelCount = 0;
    for (uint32_t bits = slotBits < kFirstLevelBits ? slotBits : kFirstLevelBits; m_levelCount < kMaxLevels;
         bits = bits + 2 < slotBits ? bits + 2 : slotBits) {
        Level& level = m_levels[m_levelCount++];
        level.bits = bits;
        level.used.store(0, std::memory_order_relaxed);
        level.slots.store(nullptr, std::memory_order_relaxed);
        if (bits == slotBits) break;
    }
    m_currentLevel.store(0, std::memory_order_relaxed);
    m_entryBytes = size_t{m_maxIds} * sizeof(Entry);
    m_frameBytes = frameArenaBytes;
    m_frameCapacity = frameArenaBytes / sizeof(uint64_t);
    if (m_frameCapacity > (uint64_t{1} << 32)) m_frameCapacity = uint64_t{1} << 32;  // offsets fit a slot's 32 bits
    m_framesUsed.store(1, std::memory_order_relaxed);
    m_levels[0].slots.store(static_cast<std::atomic<uint64_t>*>(mapAnonymous(levelBytes(m_levels[0]), true)),
                            std::memory_order_release);
    m_entries = static_cast<Entry*>(mapAnonymous(m_entryBytes, true));
    m_frames = static_cast<uint64_t*>(mapAnonymous(m_frameBytes, true));
    if (!m_levels[0].slots.load(std::memory_order_relaxed) || !m_entries || !m_frames) {
        destroy();
        return false;
    }
    return true;
}

size_t StackTable::reservationBytes(uint32_t slotBits, size_t frameArenaBytes)
{
    const size_t entries = (size_t{1} << slotBits) / 2 * sizeof(Entry);
    size_t slots = 0;  // the levels, as init lays them out
    for (uint32_t bits = slotBits < kFirstLevelBits ? slotBits : kFirstLevelBits, level = 0; level < kMaxLevels;
         bits = bits + 2 < slotBits ? bits + 2 : slotBits, ++level) {
        slots += size_t{1} << bits;
        if (bits == slotBits) break;
    }
    return frameArenaBytes + entries + slots * sizeof(uint64_t);
}

bool StackTable::initWithin(size_t budgetBytes)
{
    uint32_t slotBits = kFullSlotBits;
    size_t arenaBytes = kFullFrameArenaBytes;
    while (slotBits > kMinSlotBits && reservationBytes(slotBits, arenaBytes) > budgetBytes) {
        --slotBits;
        arenaBytes /= 2;
    }
    for (;;) {
        m_reduced = slotBits != kFullSlotBits;
        if (init(slotBits, arenaBytes)) return true;
        if (slotBits == kMinSlotBits) return false;
        --slotBits;
        arenaBytes /= 2;
    }
}

void StackTable::destroy()
{
    for (uint32_t i = 0; i < m_levelCount; ++i) {
        unmapAnonymous(m_levels[i].slots.exchange(nullptr, std::memory_order_relaxed), levelBytes(m_levels[i]));
    }
    unmapAnonymous(m_entries, m_entryBytes);
    unmapAnonymous(m_frames, m_frameBytes);
    m_entries = nullptr;
    m_frames = nullptr;
}

bool StackTable::sameStackAt(uint64_t offset, const uint64_t* frames, uint32_t depth, uint64_t hash) const
{
    const uint64_t* stored = m_frames + offset;
    return stored[0] == hash && (stored[1] >> 32) == depth &&
           std::memcmp(stored + kHeaderWords, frames, depth * sizeof(uint64_t)) == 0;
}

bool StackTable::matches(StackId id, const uint64_t* frames, uint32_t depth, uint64_t hash) const
{
    const uint32_t i = static_cast<uint32_t>(id);
    if (i == 0 || i >= m_maxIds) return false;
    const uint32_t state = m_entries[i].state.load(std::memory_order_acquire);
    return (state == Ready || state == Emitted) && sameStackAt(m_entries[i].offset, frames, depth, hash);
}

StackId StackTable::find(const Level& level, const uint64_t* frames, uint32_t depth, uint64_t hash) const
{
    const std::atomic<uint64_t>* slots = level.slots.load(std::memory_order_acquire);
    if (!slots) return StackId::None;
    const uint64_t mask = (uint64_t{1} << level.bits) - 1;
    const uint64_t tag = hash >> 32;
    for (uint64_t i = hash & mask;; i = (i + 1) & mask) {
        const uint64_t v = slots[i].load(std::memory_order_acquire);
        if (v == 0) return StackId::None;
        const uint64_t offset = static_cast<uint32_t>(v);
        if ((v >> 32) == tag && sameStackAt(offset, frames, depth, hash)) return static_cast<StackId>(idAt(offset));
    }
}

StackTable::Level* StackTable::insertLevel()
{
    for (;;) {
        const uint32_t current = m_currentLevel.load(std::memory_order_acquire);
        Level& level = m_levels[current];
        // Below half full: linear probing stays short. Racing inserts may overshoot a little;
        // the level can never fill up because the switch happens long before.
        if (level.used.load(std::memory_order_relaxed) < (uint32_t{1} << level.bits) / 2) return &level;
        if (current + 1 >= m_levelCount) return nullptr;
        Level& next = m_levels[current + 1];
        if (!next.slots.load(std::memory_order_acquire)) {
            // Several threads may map it at once: one mapping wins, the others are unmapped.
            auto* mine = static_cast<std::atomic<uint64_t>*>(mapAnonymous(levelBytes(next), true));
            if (!mine) return nullptr;
            std::atomic<uint64_t>* expected = nullptr;
            if (!next.slots.compare_exchange_strong(expected, mine, std::memory_order_acq_rel))
                unmapAnonymous(mine, levelBytes(next));
        }
        uint32_t expected = current;
        m_currentLevel.compare_exchange_strong(expected, current + 1, std::memory_order_acq_rel);
    }
}

StackId StackTable::intern(const uint64_t* frames, uint32_t depth, uint64_t hash)
{
    // Look-up, newest level first (where recent stacks are).
    const uint32_t newest = m_currentLevel.load(std::memory_order_acquire);
    for (uint32_t l = newest + 1; l-- > 0;) {
        const StackId found = find(m_levels[l], frames, depth, hash);
        if (found != StackId::None) return found;
    }
    if (m_full.load(std::memory_order_relaxed)) return StackId::None;

    Level* level = insertLevel();
    if (!level) {
        m_full.store(true, std::memory_order_relaxed);
        return StackId::None;
    }

    // New stack: publish the entry, then link it.
    const uint32_t id = m_nextId.fetch_add(1, std::memory_order_relaxed);
    if (id >= m_maxIds) {
        m_full.store(true, std::memory_order_relaxed);
        return StackId::None;
    }
    Entry& e = m_entries[id];
    const uint64_t offset = m_framesUsed.fetch_add(kHeaderWords + depth, std::memory_order_relaxed);
    if (offset + kHeaderWords + depth > m_frameCapacity) {
        m_full.store(true, std::memory_order_relaxed);
        e.state.store(Dead, std::memory_order_release);
        return StackId::None;
    }
    m_frames[offset] = hash;
    m_frames[offset + 1] = uint64_t{depth} << 32 | id;
    std::memcpy(m_frames + offset + kHeaderWords, frames, depth * sizeof(uint64_t));
    e.offset = offset;
    e.depth = depth;
    e.state.store(Ready, std::memory_order_release);

    std::atomic<uint64_t>* slots = level->slots.load(std::memory_order_acquire);
    const uint64_t mask = (uint64_t{1} << level->bits) - 1;
    const uint64_t tag = hash >> 32;
    const uint64_t mine = (tag << 32) | offset;
    for (uint64_t i = hash & mask;; i = (i + 1) & mask) {
        uint64_t v = slots[i].load(std::memory_order_acquire);
        if (v == 0) {
            if (slots[i].compare_exchange_strong(v, mine, std::memory_order_acq_rel, std::memory_order_acquire)) {
                level->used.fetch_add(1, std::memory_order_relaxed);
                return static_cast<StackId>(id);
            }
            // Lost the slot: v now holds the winner's value; check it like any other.
        }
        const uint64_t stored = static_cast<uint32_t>(v);
        if ((v >> 32) == tag && sameStackAt(stored, frames, depth, hash)) return static_cast<StackId>(idAt(stored));
    }
}

size_t StackTable::slotBytesMapped() const
{
    size_t bytes = 0;
    for (uint32_t i = 0; i < m_levelCount; ++i)
        if (m_levels[i].slots.load(std::memory_order_acquire)) bytes += levelBytes(m_levels[i]);
    return bytes;
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
