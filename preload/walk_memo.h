// The per-thread memo of stack walks shared by both unwinders (frame_walk.h, cfi_walk.h): 32
// sets of 2 entries, keyed by the walk's start frame. An entry holds what a walk read, in the
// walk's own form (Entry), and the stack id its frames were interned as; a later walk from the
// same frame whose words all still hold their values reuses that id.
//
// Entry needs `start` (0: empty) and `stackId` (0: the walk was not interned yet). No
// initializers: memos live in the rings' zero-filled mappings, whose pages stay untouched
// unless an unwinder uses them (zero = empty).
//
// Owner-private, hook-reachable: no allocation, no lock, no call.
#pragma once

#include <cstdint>

namespace memtrace::shim {

template <typename Entry>
struct WalkMemo {
    static constexpr uint32_t kSets = 32;
    Entry entries[kSets][2];
    uint8_t newest[kSets];  // the entry of each set filled or hit last (0 or 1)

    static uint32_t setOf(uintptr_t start) { return static_cast<uint32_t>((start * 0x9e3779b97f4a7c15ull) >> 59); }

    // The stack id of an entry of start's set for which unchanged(entry) holds, or 0. On a
    // miss, *record is the set's older entry, emptied, for the walk to record itself into.
    template <typename Unchanged>
    uint32_t lookup(uintptr_t start, Unchanged&& unchanged, Entry** record)
    {
        const uint32_t set = setOf(start);
        for (uint8_t way = 0; way < 2; ++way) {
            const Entry& e = entries[set][way];
            if (e.start == start && e.stackId != 0 && unchanged(e)) {
                newest[set] = way;
                return e.stackId;
            }
        }
        const uint8_t victim = newest[set] ^ 1;
        newest[set] = victim;
        Entry* rec = &entries[set][victim];
        rec->start = 0;  // empty until the walk is recorded whole
        rec->stackId = 0;
        *record = rec;
        return 0;
    }

    void clear()
    {
        for (auto& set : entries)
            for (auto& e : set) e.start = 0, e.stackId = 0;
        for (auto& way : newest) way = 0;
    }
};

// The walk recorded in `entry` was interned as `stackId` (nonzero): later walks may hit it.
template <typename Entry>
inline void completeWalk(Entry* entry, uint32_t stackId)
{
    if (entry && entry->start != 0) entry->stackId = stackId;
}

}  // namespace memtrace::shim
