// Byte sampling, the shared half: the addresses of the live sampled blocks. A free (or the
// release part of a realloc) looks its address up here first; only frees of sampled blocks are
// recorded, so an unsampled block costs nothing when it dies either.
//
// A lock-free open-addressing set of addresses in raw mappings:
//   slot value  0          empty (never used)
//               1          tombstone (a removed address; reusable by an insert)
//               a          the live sampled block at address a (a >= 8, 8-aligned)
//               a | 1      a, being moved by the writer to the current table (see below)
// Inserts and removes are single CASes. Tombstones pile up as blocks come and go, and every
// probe for an absent address (each unsampled free) walks to an empty slot, so the table must
// be rebuilt now and then. Two tables, `current` (takes inserts) and `old`, swap roles: when
// the current table is half used, the writer thread (maintain(), under the drain lock)
// empties the old one, makes it current (epoch + 1), waits for inserts still running into the
// previous table, and moves that table's live addresses over, one CAS-claimed slot at a time.
// A remove probes old then current and retries when the epoch changed meanwhile, so it never
// misses an address that is being moved or has just moved.
//
// In front of the tables, a counting filter (64 Ki one-byte counters, a different hash of the
// address) answers most lookups of unsampled addresses from one L2-resident byte: a counter of
// 0 means "no live sampled block hashes here". Counters saturate at 255 and then stay (that
// slot always asks the tables).
//
// insert/remove are hook-reachable: no allocation, no lock; a remove may spin briefly on a slot
// the writer is moving. maintain() runs on the writer thread only.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace memtrace::shim {

class SampledBlocks {
public:
    bool init();
    // After the real allocation returned `address`, before the pointer is handed out.
    // False if the table stayed full for a second (tracking must stop).
    bool insert(uint64_t address);
    // Before the real free: true (and removed) if `address` is a live sampled block.
    bool remove(uint64_t address);
    // Writer thread: rebuild when the current table is half used. Drain lock held.
    void maintain();
    uint64_t liveCount() const;
    // Fork child: threads that were inside insert() at the fork do not exist here; their
    // in-progress marks would make the next rebuild wait for them forever.
    void resetInChild();

private:
    // One mapping per table: a header page holding the slot mask, then the slots. Readers load
    // the mapping pointer once, so mask and slots always agree while the writer regrows it.
    struct alignas(64) Table {  // own cache line: every free reads the old table's `live`
        std::atomic<uint64_t*> mapping{nullptr};
        std::atomic<uint64_t> used{0};  // slots that left "empty"
        std::atomic<uint64_t> live{0};
        std::atomic<uint32_t> inserters{0};
    };

    static constexpr size_t kFilterSize = size_t{1} << 16;
    std::atomic<uint8_t>& filterOf(uint64_t address);
    static bool insertInto(Table& table, uint64_t address);
    static bool removeFrom(Table& table, uint64_t address);
    bool removeFromTables(uint64_t address);
    bool swapAndMigrate();

    Table m_tables[2];
    std::atomic<uint64_t> m_epoch{0};  // current table = m_tables[epoch & 1]
    std::atomic<uint8_t> m_filter[kFilterSize] = {};
};

extern constinit SampledBlocks g_sampledBlocks;

}  // namespace memtrace::shim
