// An open-addressing hash map from 64-bit keys (addresses, ids) to small values: the reader's
// live-block table, which sees one lookup per event and holds every live allocation.
//
// Linear probing over a power-of-two table, homes by Fibonacci hashing (home()), load factor at
// most 1/2: at 3/4 the probe runs that inserts, lookups and backward shifts walk made the
// summary of a 20 M-event alloc_bench capture ~15% slower (docs/PERFORMANCE.md). Deletion is backward-shift (no tombstones): after removing slot i, later entries of
// the same probe run move back, so lookups never walk over dead slots and a long run of
// alloc/free churn cannot degrade the table.
//
// Key ~0 marks an empty slot; that one key is kept aside in its own slot so every uint64_t is
// a valid key (a corrupt capture may contain any address).
#pragma once

#include <cstddef>
#include <algorithm>
#include <bit>
#include <cstdint>
#include <memory>
#include <utility>

#include "hash.h"
#include "prefetch.h"

namespace memtrace::reader {

template <typename Value>
class FlatHashMap64 {
public:
    FlatHashMap64() { allocate(kInitialCapacity); }

    size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    // What the slots take in memory (keys and values), whether used or not.
    size_t slotBytes() const { return (m_mask + 1) * (sizeof(uint64_t) + sizeof(Value)); }

    Value* find(uint64_t key)
    {
        if (key == kEmptyKey) return m_hasSpecial ? &m_special : nullptr;
        for (size_t i = home(key);; i = (i + 1) & m_mask) {
            if (m_keys[i] == key) return &m_values[i];
            if (m_keys[i] == kEmptyKey) return nullptr;
        }
    }
    const Value* find(uint64_t key) const { return const_cast<FlatHashMap64*>(this)->find(key); }

    // Starts loading the key's home slot (a lookup of it soon will not wait for memory).
    void prefetch(uint64_t key) const
    {
        const size_t i = home(key);
        prefetchLine(&m_keys[i]);
        // And the line after the value's: an erase moves the next slots of the run back.
        prefetchLine(&m_values[i]);
        prefetchLine(reinterpret_cast<const char*>(&m_values[i]) + 64);
    }

    // Inserts key -> value if absent. Returns the stored value and whether it was inserted.
    std::pair<Value*, bool> insert(uint64_t key, const Value& value)
    {
        if (key == kEmptyKey) [[unlikely]] {
            const bool inserted = !m_hasSpecial;
            if (inserted) {
                m_special = value;
                m_hasSpecial = true;
                ++m_size;
            }
            return {&m_special, inserted};
        }
        if ((m_size + 1) * 2 > (m_mask + 1)) [[unlikely]] grow();
        for (size_t i = home(key);; i = (i + 1) & m_mask) {
            if (m_keys[i] == key) return {&m_values[i], false};
            if (m_keys[i] == kEmptyKey) {
                m_keys[i] = key;
                m_values[i] = value;
                ++m_size;
                return {&m_values[i], true};
            }
        }
    }

    // Whether insert(key) would add a slot without growing the table. Inserting such a key and
    // erasing it again leaves the table exactly as it was (the key lands in the first free slot
    // of its run, and no later entry can move back into that slot).
    bool insertsInPlace(uint64_t key) const
    {
        if (key == kEmptyKey || (m_size + 1) * 2 > (m_mask + 1)) return false;
        for (size_t i = home(key);; i = (i + 1) & m_mask) {
            if (m_keys[i] == key) return false;
            if (m_keys[i] == kEmptyKey) return true;
        }
    }

    // Removes key; copies its value to *removed when given. Returns false if it was absent.
    bool erase(uint64_t key, Value* removed = nullptr)
    {
        if (key == kEmptyKey) [[unlikely]] {
            if (!m_hasSpecial) return false;
            if (removed) *removed = m_special;
            m_hasSpecial = false;
            --m_size;
            return true;
        }
        size_t i = home(key);
        for (;; i = (i + 1) & m_mask) {
            if (m_keys[i] == key) break;
            if (m_keys[i] == kEmptyKey) return false;
        }
        if (removed) *removed = m_values[i];
        // Backward shift: pull later members of the probe run into the hole while that keeps
        // each of them reachable from its home slot.
        for (size_t j = (i + 1) & m_mask;; j = (j + 1) & m_mask) {
            const uint64_t next = m_keys[j];
            if (next == kEmptyKey) break;
            const size_t h = home(next);
            // Distance from home to j must cover the hole at i for the move to be legal.
            const bool movable = ((j - h) & m_mask) >= ((j - i) & m_mask);
            if (movable) {
                m_keys[i] = next;
                m_values[i] = m_values[j];
                i = j;
            }
        }
        m_keys[i] = kEmptyKey;
        --m_size;
        return true;
    }

    template <typename F>
    void forEach(F&& f) const
    {
        if (m_hasSpecial) f(kEmptyKey, m_special);
        for (size_t i = 0; i <= m_mask; ++i)
            if (m_keys[i] != kEmptyKey) f(m_keys[i], m_values[i]);
    }

    void clear()
    {
        allocate(kInitialCapacity);
        m_size = 0;
        m_hasSpecial = false;
    }

private:
    static constexpr uint64_t kEmptyKey = ~0ull;

    static constexpr size_t kInitialCapacity = 64;

    // Fibonacci hashing: the top bits of key x 2^64/phi, each of which depends on every key bit
    // below it, so aligned addresses (zero low bits) and dense ids spread evenly. The high half
    // is folded in first, so keys that differ only in their top bits (a corrupt capture's) do
    // not share a home. One multiply on the per-event path: mix64's chain of two cost ~10% of
    // a summary's CPU (docs/PERFORMANCE.md, session 8).
    size_t home(uint64_t key) const
    {
        return static_cast<size_t>(((key ^ (key >> 32)) * 0x9e3779b97f4a7c15ull) >> m_shift);
    }

    // Keys and values in two arrays: a probe reads keys only (8 bytes a slot), and touches one
    // value, at the slot it stops at. A free slot's value is stale; only its key says it is free.
    void allocate(size_t capacity)
    {
        m_keys = std::make_unique<uint64_t[]>(capacity);
        std::fill_n(m_keys.get(), capacity, kEmptyKey);
        m_values = std::make_unique<Value[]>(capacity);
        m_mask = capacity - 1;
        m_shift = static_cast<unsigned>(64 - std::countr_zero(capacity));
    }

    void grow()
    {
        const size_t oldCapacity = m_mask + 1;
        std::unique_ptr<uint64_t[]> oldKeys = std::move(m_keys);
        std::unique_ptr<Value[]> oldValues = std::move(m_values);
        allocate(oldCapacity * 2);
        for (size_t k = 0; k < oldCapacity; ++k) {
            if (oldKeys[k] == kEmptyKey) continue;
            size_t i = home(oldKeys[k]);
            while (m_keys[i] != kEmptyKey) i = (i + 1) & m_mask;
            m_keys[i] = oldKeys[k];
            m_values[i] = std::move(oldValues[k]);
        }
    }

    std::unique_ptr<uint64_t[]> m_keys;
    std::unique_ptr<Value[]> m_values;
    size_t m_mask = 0;
    unsigned m_shift = 64;  // 64 - log2(capacity)
    size_t m_size = 0;
    bool m_hasSpecial = false;
    Value m_special{};
};

}  // namespace memtrace::reader
