#include "sampled_blocks.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "sys_memory.h"
#include "writer_thread.h"

namespace memtrace::shim {

constinit SampledBlocks g_sampledBlocks;

namespace {

constexpr uint64_t kEmpty = 0;
constexpr uint64_t kTombstone = 1;
constexpr uint64_t kInitialSlots = uint64_t{1} << 16;  // 512 KiB
constexpr uint64_t kMaxSlots = uint64_t{1} << 27;

// murmur3's finalizer: addresses differ in their middle bits only.
uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

bool isAddress(uint64_t v) { return v > kTombstone && (v & 1) == 0; }

constexpr size_t kHeaderWords = 4096 / sizeof(uint64_t);

uint64_t* mapTable(uint64_t count)
{
    auto* mapping = static_cast<uint64_t*>(mapAnonymous(4096 + count * sizeof(uint64_t), true));
    if (mapping) mapping[0] = count - 1;
    return mapping;
}

uint64_t maskOf(const uint64_t* mapping) { return mapping[0]; }
std::atomic<uint64_t>* slotsOf(uint64_t* mapping) { return reinterpret_cast<std::atomic<uint64_t>*>(mapping + kHeaderWords); }

// Releases the slots' pages (they read as zero = empty again); the mapping stays valid.
void clearSlots(uint64_t* mapping)
{
    syscall(SYS_madvise, mapping + kHeaderWords, (maskOf(mapping) + 1) * sizeof(uint64_t), MADV_DONTNEED);
}

}  // namespace

bool SampledBlocks::init()
{
    for (Table& t : m_tables) {
        if (t.mapping.load(std::memory_order_relaxed)) continue;
        uint64_t* mapping = mapTable(kInitialSlots);
        if (!mapping) return false;
        t.mapping.store(mapping, std::memory_order_release);
    }
    return true;
}

void SampledBlocks::resetInChild()
{
    for (Table& t : m_tables) t.inserters.store(0, std::memory_order_relaxed);
}

uint64_t SampledBlocks::liveCount() const
{
    return m_tables[0].live.load(std::memory_order_relaxed) + m_tables[1].live.load(std::memory_order_relaxed);
}

bool SampledBlocks::insertInto(Table& t, uint64_t address)
{
    uint64_t* mapping = t.mapping.load(std::memory_order_acquire);
    const uint64_t mask = maskOf(mapping);
    std::atomic<uint64_t>* slots = slotsOf(mapping);
    uint64_t i = mix(address) & mask;
    for (uint64_t probes = 0; probes <= mask; ++probes, i = (i + 1) & mask) {
        uint64_t v = slots[i].load(std::memory_order_acquire);
        while (v == kEmpty || v == kTombstone) {
            if (slots[i].compare_exchange_weak(v, address, std::memory_order_acq_rel)) {
                if (v == kEmpty) t.used.fetch_add(1, std::memory_order_relaxed);
                t.live.fetch_add(1, std::memory_order_relaxed);
                return true;
            }
        }
    }
    return false;
}

// Slots never return to empty while a table is in use, so an address sits before the first
// empty slot of its probe sequence.
bool SampledBlocks::removeFrom(Table& t, uint64_t address)
{
    uint64_t* mapping = t.mapping.load(std::memory_order_acquire);
    const uint64_t mask = maskOf(mapping);
    std::atomic<uint64_t>* slots = slotsOf(mapping);
    uint64_t i = mix(address) & mask;
    for (uint64_t probes = 0; probes <= mask; ++probes, i = (i + 1) & mask) {
        uint64_t v = slots[i].load(std::memory_order_acquire);
        if (v == kEmpty) return false;
        if (v == address) {
            if (slots[i].compare_exchange_strong(v, kTombstone, std::memory_order_acq_rel)) {
                t.live.fetch_sub(1, std::memory_order_relaxed);
                return true;
            }
        }
        if (v == (address | 1)) {
            // The writer is moving it to the current table, which the caller probes next.
            while (slots[i].load(std::memory_order_acquire) == (address | 1)) sched_yield();
            return false;
        }
    }
    return false;
}

std::atomic<uint8_t>& SampledBlocks::filterOf(uint64_t address)
{
    return m_filter[(mix(address) >> 40) & (kFilterSize - 1)];  // bits the table index does not use
}

bool SampledBlocks::insert(uint64_t address)
{
    if (!isAddress(address)) return true;  // never sampled (see takeSample's callers)
    // Counted before the address is in a table: a free of it (which happens after this
    // allocation returned) never finds the counter at 0.
    std::atomic<uint8_t>& counter = filterOf(address);
    for (uint8_t c = counter.load(std::memory_order_relaxed); c != 255 && !counter.compare_exchange_weak(c, c + 1, std::memory_order_seq_cst);) {
    }
    uint64_t waitStart = 0;
    for (;;) {
        const uint64_t epoch = m_epoch.load(std::memory_order_seq_cst);
        Table& t = m_tables[epoch & 1];
        t.inserters.fetch_add(1, std::memory_order_seq_cst);
        if (m_epoch.load(std::memory_order_seq_cst) != epoch) {  // swapped meanwhile: use the new one
            t.inserters.fetch_sub(1, std::memory_order_release);
            continue;
        }
        const bool half = t.used.load(std::memory_order_relaxed) * 2 > maskOf(t.mapping.load(std::memory_order_acquire));
        const bool ok = insertInto(t, address);
        t.inserters.fetch_sub(1, std::memory_order_release);
        if (half) wakeWriter();  // time to rebuild
        if (ok) return true;
        // Full: the writer rebuilds on its next wake-up. Wait for it, a second at most.
        const uint64_t now = nowNs();
        if (waitStart == 0) waitStart = now;
        if (now - waitStart > 1000000000ull) return false;
        sched_yield();
    }
}

bool SampledBlocks::remove(uint64_t address)
{
    std::atomic<uint8_t>& counter = filterOf(address);
    if (counter.load(std::memory_order_acquire) == 0) return false;  // the common case: not sampled
    if (!removeFromTables(address)) return false;
    for (uint8_t c = counter.load(std::memory_order_relaxed); c != 255 && c != 0 && !counter.compare_exchange_weak(c, c - 1, std::memory_order_release);) {
    }
    return true;
}

bool SampledBlocks::removeFromTables(uint64_t address)
{
    for (;;) {
        const uint64_t epoch = m_epoch.load(std::memory_order_seq_cst);
        // Old first: the writer only moves addresses from old to current. An old table with no
        // live address (the usual case) is skipped: an address in it was counted in `live` by
        // its insert, which happened before this free, and is uncounted only after it left.
        Table& old = m_tables[(epoch + 1) & 1];
        if (old.live.load(std::memory_order_acquire) != 0 && removeFrom(old, address)) return true;
        if (removeFrom(m_tables[epoch & 1], address)) return true;
        if (m_epoch.load(std::memory_order_seq_cst) == epoch) return false;
    }
}

void SampledBlocks::maintain()
{
    Table& current = m_tables[m_epoch.load(std::memory_order_relaxed) & 1];
    uint64_t* mapping = current.mapping.load(std::memory_order_acquire);
    if (!mapping || current.used.load(std::memory_order_relaxed) * 2 <= maskOf(mapping)) return;
    swapAndMigrate();
}

bool SampledBlocks::swapAndMigrate()
{
    const uint64_t epoch = m_epoch.load(std::memory_order_relaxed);
    Table& from = m_tables[epoch & 1];
    Table& to = m_tables[(epoch + 1) & 1];
    // `to` holds no live address (everything was moved out at the previous swap): empty it.
    // A remove still probing it sees empty slots and then checks the epoch.
    uint64_t* toMapping = to.mapping.load(std::memory_order_relaxed);
    uint64_t count = maskOf(toMapping) + 1;
    const uint64_t live = from.live.load(std::memory_order_relaxed);
    while (count < kMaxSlots && live * 4 > count) count *= 2;
    clearSlots(toMapping);
    if (count != maskOf(toMapping) + 1) {
        // The smaller mapping may still be probed by a remove of an earlier epoch: it stays
        // mapped (emptied, no resident pages) for good.
        uint64_t* bigger = mapTable(count);
        if (!bigger) return false;
        to.mapping.store(bigger, std::memory_order_release);
    }
    to.used.store(0, std::memory_order_relaxed);
    to.live.store(0, std::memory_order_relaxed);
    m_epoch.store(epoch + 1, std::memory_order_seq_cst);
    // Inserts that saw the previous epoch may still be writing into `from`.
    while (from.inserters.load(std::memory_order_seq_cst) != 0) sched_yield();
    uint64_t* fromMapping = from.mapping.load(std::memory_order_relaxed);
    std::atomic<uint64_t>* slots = slotsOf(fromMapping);
    for (uint64_t i = 0; i <= maskOf(fromMapping); ++i) {
        uint64_t v = slots[i].load(std::memory_order_acquire);
        if (!isAddress(v)) continue;
        // Claim it; a free that got there first wins and the slot is a tombstone.
        if (!slots[i].compare_exchange_strong(v, v | 1, std::memory_order_acq_rel)) continue;
        insertInto(to, v);
        slots[i].store(kTombstone, std::memory_order_release);
        from.live.fetch_sub(1, std::memory_order_release);  // after `to` has it (see remove)
    }
    return true;
}

}  // namespace memtrace::shim
