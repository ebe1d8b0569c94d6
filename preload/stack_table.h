// The global, lock-free table of distinct call stacks: frames -> dense StackId (1, 2, ...).
// Stacks are deduplicated where they are taken, so each one is stored and written once.
//
//   levels       up to kMaxLevels slot arrays of growing size (2^16, 2^18, 2^20, 2^21 slots);
//                slot = atomic u64: (hash >> 32) << 32 | arena offset of the stack, 0 = empty;
//                linear probing, never removed. New stacks go to the newest level; lookups
//                probe every level.
//   arena        append-only u64 words (atomic bump pointer; word 0 unused, so that no slot of
//                a stored stack is 0): per stack a header {hash, depth << 32 | id}, then its
//                return addresses
//   entries[id]  {arena offset, depth, state}; state Pending -> Ready -> Emitted (the writer's
//                and the per-thread cache's way in)
//
// A lookup goes slot -> header and frames, which lie together: one dependent cache miss
// fewer than slot -> entry -> frames when the table has outgrown the caches (alloc_bench with
// 4096 and 100000 distinct paths; docs/PERFORMANCE.md, session 15).
//
// All are MAP_NORESERVE mappings: untouched pages cost nothing. Why levels: a hash scatters
// stacks over the whole slot array, so a single 2^21-slot array (16 MiB) gets every page
// touched by a few thousand stacks. Levels that are mapped only when the previous one is half
// full keep the memory the table costs proportional to the number of stacks.
//
// Insert publishes before it links: an id is taken (fetch_add, only for new stacks), the
// frames and the entry are written, the entry is marked Ready (release), and only then is the
// slot CAS'd from empty. A lookup that finds a slot (acquire) therefore sees complete frames
// and verifies them with memcmp on a tag match. Two threads inserting the same new stack race
// for the same first empty slot; the loser adopts the winner's id. Its own id stays a Ready
// duplicate with identical frames (ids stay dense; nothing ever references the spare).
// Across a level switch two threads can also insert the same new stack into two levels:
// both ids are then used by events (the reader allows ids with identical frames).
//
// The writer emits a Stack record for every Ready id before any event of the drain: an event
// only carries an id that was Ready before the event was committed.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace memtrace::shim {

enum class StackId : uint32_t { None = 0 };

class StackTable {
public:
    enum State : uint32_t { Pending = 0, Ready = 1, Emitted = 2, Dead = 3 };

    static constexpr uint32_t kFullSlotBits = 21;
    static constexpr size_t kFullFrameArenaBytes = size_t{256} << 20;
    static constexpr uint32_t kMinSlotBits = 16;

    // Maps the table. Not hook-reachable (init). Returns false if mapping fails.
    bool init(uint32_t slotBits = kFullSlotBits, size_t frameArenaBytes = kFullFrameArenaBytes);

    // Maps the largest table (halving the slots and the arena together from the full size)
    // whose address space fits `budgetBytes`, at least the kMinSlotBits one, and a smaller one
    // if a mapping fails. Why: the full table reserves ~300 MiB of address space (not memory:
    // MAP_NORESERVE, pages are touched as stacks come), which a program under `ulimit -v`
    // would lose to the shim.
    bool initWithin(size_t budgetBytes);

    // Address space that init(slotBits, frameArenaBytes) reserves, once every level is open.
    static size_t reservationBytes(uint32_t slotBits, size_t frameArenaBytes);

    // True if the table was made smaller than the full size (initWithin).
    bool reduced() const { return m_reduced; }
    void destroy();

    // Hook-reachable: no allocation, no lock, no logging. Returns StackId::None when the
    // table is full (see full()).
    StackId intern(const uint64_t* frames, uint32_t depth, uint64_t hash);

    // True if `id` is Ready/Emitted with exactly these frames (per-thread cache verification).
    bool matches(StackId id, const uint64_t* frames, uint32_t depth, uint64_t hash) const;

    bool full() const { return m_full.load(std::memory_order_relaxed); }

    // Bytes of slot arrays mapped so far (levels opened): what the table's index costs.
    size_t slotBytesMapped() const;

    // ---- writer side (one thread at a time, under the drain lock) ----

    // Ids below the returned limit that are Ready may be emitted (acquire).
    uint32_t idLimit() const;

    // True if every id below `limit` has been emitted (none Ready or Pending).
    bool allEmittedBelow(uint32_t limit) const { return m_scanFrom >= limit; }

    // Calls fn(id, frames, depth) for every Ready id below `limit` not yet emitted, then marks
    // it Emitted. Pending ids (an insert in progress) are revisited next time.
    template <class Fn>
    void emitNew(uint32_t limit, Fn&& fn)
    {
        bool contiguous = true;
        for (uint32_t id = m_scanFrom; id < limit; ++id) {
            Entry& e = m_entries[id];
            const uint32_t state = e.state.load(std::memory_order_acquire);
            if (state == Ready) {
                fn(id, m_frames + e.offset + kHeaderWords, e.depth);
                e.state.store(Emitted, std::memory_order_relaxed);
            } else if (state == Pending) {
                contiguous = false;
            }
            if (contiguous) m_scanFrom = id + 1;
        }
    }

    // Fork child: the new capture knows no stack, so every id is to be emitted again; an
    // insert that another (now nonexistent) thread had in progress will never finish.
    void resetForNewCapture();

private:
    struct Entry {
        uint64_t offset;  // of the stack's header, in u64 words from m_frames
        uint32_t depth;
        std::atomic<uint32_t> state;
    };
    static constexpr uint64_t kHeaderWords = 2;  // hash; depth << 32 | id

    struct Level {
        std::atomic<std::atomic<uint64_t>*> slots{nullptr};  // mapped when the level opens
        std::atomic<uint32_t> used{0};                        // ids linked into this level
        uint32_t bits = 0;
    };
    static constexpr uint32_t kMaxLevels = 4;
    static constexpr uint32_t kFirstLevelBits = 16;

    // The stack stored at arena `offset` has these frames (header first: hash, then depth).
    bool sameStackAt(uint64_t offset, const uint64_t* frames, uint32_t depth, uint64_t hash) const;
    uint32_t idAt(uint64_t offset) const { return static_cast<uint32_t>(m_frames[offset + 1]); }
    static size_t levelBytes(const Level& level) { return (size_t{1} << level.bits) * sizeof(uint64_t); }
    // The level new stacks go to, opening the next one when it is half full; nullptr if the
    // last level is full or a mapping failed.
    Level* insertLevel();
    StackId find(const Level& level, const uint64_t* frames, uint32_t depth, uint64_t hash) const;

    Level m_levels[kMaxLevels];
    uint32_t m_levelCount = 0;
    std::atomic<uint32_t> m_currentLevel{0};
    Entry* m_entries = nullptr;
    uint64_t* m_frames = nullptr;
    uint32_t m_maxIds = 0;
    size_t m_frameCapacity = 0;  // in u64 words (frames and headers)
    size_t m_entryBytes = 0, m_frameBytes = 0;
    std::atomic<uint32_t> m_nextId{1};
    std::atomic<uint64_t> m_framesUsed{1};  // word 0 unused: a slot holding offset 0 and tag 0 would read as empty
    std::atomic<bool> m_full{false};
    bool m_reduced = false;
    uint32_t m_scanFrom = 1;  // writer-only
};

}  // namespace memtrace::shim
