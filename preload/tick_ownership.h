// Which ring's events touch an address within one time tick of a drain. The merge uses it to
// emit a run of one thread's events ahead of other threads' events of the same tick
// (capture_writer.cpp, mergeEvents): an event may jump ahead only if no other ring has an
// event in that tick on the same address, so every cross-thread order the reader relies on
// (an allocation before its free, a free before the reuse of its address) is kept.
//
// A direct-mapped table of (stamp, owner) slots over a hash of the address. Collisions only
// make an address look shared, which stops a run early: always safe. begin() starts a new
// tick in O(1) by moving the stamp. Memory: one raw mapping, 64 KiB, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "sys_memory.h"

namespace memtrace::shim {

class TickOwnership {
public:
    // Owners are 0 .. kMaxOwners-1 (ring positions in the drain).
    static constexpr size_t kMaxOwners = 255;

    bool init()
    {
        if (!m_slots) m_slots = static_cast<uint32_t*>(mapAnonymous(kSlots * sizeof(uint32_t)));
        return m_slots != nullptr;
    }

    // Forgets every address noted so far.
    void begin()
    {
        if (++m_stamp == kStampLimit) {  // the 24-bit stamp wrapped: old slots could look current
            std::memset(m_slots, 0, kSlots * sizeof(uint32_t));
            m_stamp = 1;
        }
    }

    void note(uint64_t address, uint8_t owner)
    {
        uint32_t& slot = m_slots[slotOf(address)];
        if (slot >> 8 != m_stamp) slot = m_stamp << 8 | owner;
        else if ((slot & 0xff) != owner) slot = m_stamp << 8 | kShared;
    }

    // True if every event noted since begin() on this address (or on one hashing alike) came
    // from `owner`.
    bool ownedBy(uint64_t address, uint8_t owner) const
    {
        const uint32_t slot = m_slots[slotOf(address)];
        return slot == (m_stamp << 8 | owner);
    }

private:
    static constexpr size_t kSlotBits = 14;
    static constexpr size_t kSlots = size_t{1} << kSlotBits;
    static constexpr uint32_t kStampLimit = 1u << 24;
    static constexpr uint8_t kShared = 0xff;

    // Blocks are at least 16-byte aligned; the multiply spreads the rest over the table.
    static size_t slotOf(uint64_t address) { return static_cast<size_t>(((address >> 4) * 0x9e3779b97f4a7c15ull) >> (64 - kSlotBits)); }

    uint32_t* m_slots = nullptr;
    uint32_t m_stamp = 0;
};

}  // namespace memtrace::shim
