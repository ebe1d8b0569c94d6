// Allocation-address prediction (format version 5): the address a thread's allocation gets is
// mostly the block of the same size class that this thread freed last. glibc's tcache and
// jemalloc's thread caches are per-thread LIFO lists per size class, so a block freed by a
// thread is handed out again by that thread's next allocation of that class.
//
// Both sides keep, per chunk, a small stack of freed addresses per (thread, size class): a
// FreeRecent record pushes its address (the class is that of the allocation record it names),
// an AllocReused record pops the top and takes it as its address. The writer uses AllocReused
// only when the top is the block's real address; every other allocation is coded as before and
// leaves the stacks alone. The table is fixed-size and collisions evict, identically on both
// sides, so it only costs predictions, never correctness (docs/FORMAT.md, "Reuse stacks").
//
// Allocation-free, lock-free: used by the shim's writer thread and by the reader's decoder.
#pragma once

#include <cstdint>

namespace memtrace::format {

// How a block's size maps to the allocator's size class (the SizeClasses record). Values are
// part of the format: append, never renumber.
enum class SizeClasses : uint8_t {
    Exact = 0,     // one class per size (any allocator; the start of every chunk)
    Glibc = 1,     // ptmalloc's 16-byte chunk sizes, tcache and fastbins
    Jemalloc = 2,  // jemalloc's classes, 16-byte quantum: 8, 16, 32 ... 128, then 4 per doubling
};
inline constexpr uint8_t kMaxSizeClasses = 2;

// A nonzero index for each class of sizes that take part, 0 for sizes that do not (0, and
// beyond the range an allocator's thread cache serves; the index must fit 16 bits).
inline uint16_t sizeClassOf(SizeClasses scheme, uint64_t size)
{
    if (size == 0) return 0;
    switch (scheme) {
    case SizeClasses::Exact: return size < 0xffff ? static_cast<uint16_t>(size) : 0;
    case SizeClasses::Glibc: {  // request + 8 bytes of header, rounded up to 16, at least 32
        if (size > (uint64_t{1} << 19)) return 0;
        const uint64_t chunk = (size + 8 + 15) & ~uint64_t{15};
        return static_cast<uint16_t>((chunk < 32 ? 32 : chunk) / 16);
    }
    case SizeClasses::Jemalloc: {
        if (size <= 8) return 1;
        if (size <= 128) return static_cast<uint16_t>(1 + (size + 15) / 16);  // 2 .. 9
        if (size > (uint64_t{1} << 40)) return 0;
        const uint32_t bits = 64 - static_cast<uint32_t>(__builtin_clzll(size - 1));  // 2^bits >= size > 2^(bits-1)
        return static_cast<uint16_t>(10 + (bits - 8) * 4 + (((size - 1) >> (bits - 3)) & 3));
    }
    }
    return 0;
}

struct ReuseStacks {
    static constexpr uint32_t kSlots = 512;
    static constexpr uint32_t kDepth = 4;  // a thread cache's recent frees; older ones drop out
    static_assert((kDepth & (kDepth - 1)) == 0);
    struct alignas(64) Slot {  // one cache line
        uint32_t generation;  // the chunk it was written in (0: never)
        uint32_t thread;
        uint16_t sizeClass;
        uint16_t count;  // addresses held, at most kDepth
        uint32_t top;    // address[top] is the latest (a ring: the oldest is overwritten)
        uint64_t address[kDepth];
    };

    // A new chunk: every stack is empty.
    void reset()
    {
        if (++m_generation == 0) {  // wrapped: slots of 2^32 chunks ago would look current
            for (Slot& slot : m_slots) slot = Slot{};
            m_generation = 1;
        }
    }

    // The address an AllocReused record of (thread, sizeClass) would take; false if none.
    bool top(uint32_t thread, uint16_t sizeClass, uint64_t& address) const
    {
        const Slot& slot = m_slots[slotOf(thread, sizeClass)];
        if (!holds(slot, thread, sizeClass) || slot.count == 0) return false;
        address = slot.address[slot.top];
        return true;
    }
    // Call only after top() returned true for the same key.
    void pop(uint32_t thread, uint16_t sizeClass)
    {
        Slot& slot = m_slots[slotOf(thread, sizeClass)];
        --slot.count;
        slot.top = (slot.top - 1) & (kDepth - 1);
    }

    void push(uint32_t thread, uint16_t sizeClass, uint64_t address)
    {
        Slot& slot = m_slots[slotOf(thread, sizeClass)];
        if (!holds(slot, thread, sizeClass)) {
            slot.generation = m_generation;
            slot.thread = thread;
            slot.sizeClass = sizeClass;
            slot.count = 0;
        }
        slot.top = (slot.top + 1) & (kDepth - 1);
        slot.address[slot.top] = address;
        if (slot.count < kDepth) ++slot.count;  // else the oldest was overwritten
    }

private:
    static uint32_t slotOf(uint32_t thread, uint16_t sizeClass)
    {
        const uint64_t key = (uint64_t{thread} << 16) | sizeClass;
        return static_cast<uint32_t>((key * 0x9E3779B97F4A7C15ull) >> 55);
    }
    bool holds(const Slot& slot, uint32_t thread, uint16_t sizeClass) const
    {
        return slot.generation == m_generation && slot.thread == thread && slot.sizeClass == sizeClass;
    }

    Slot m_slots[kSlots] = {};
    uint32_t m_generation = 1;
};
static_assert(ReuseStacks::kSlots == 1u << (64 - 55));

}  // namespace memtrace::format
