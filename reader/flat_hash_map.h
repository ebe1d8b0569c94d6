// An open-addressing hash map from 64-bit keys (addresses, ids) to small values: the reader's
// live-block table, which sees one lookup per event and holds every live allocation.
//
// Linear probing over a power-of-two table, keys mixed with mix64 (hash.h), load factor at
// most 3/4. Deletion is backward-shift (no tombstones): after removing slot i, later entries of
// the same probe run move back, so lookups never walk over dead slots and a long run of
// alloc/free churn cannot degrade the table.
//
// Key ~0 marks an empty slot; that one key is kept aside in its own slot so every uint64_t is
// a valid key (a corrupt capture may contain any address).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "hash.h"

namespace memtrace::reader {

template <typename Value>
class FlatHashMap64 {
public:
    FlatHashMap64() { m_slots.resize(kInitialCapacity); }

    size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }

    Value* find(uint64_t key)
    {
        if (key == kEmptyKey) return m_hasSpecial ? &m_special : nullptr;
        for (size_t i = home(key);; i = (i + 1) & mask()) {
            Slot& slot = m_slots[i];
            if (slot.key == key) return &slot.value;
            if (slot.key == kEmptyKey) return nullptr;
        }
    }
    const Value* find(uint64_t key) const { return const_cast<FlatHashMap64*>(this)->find(key); }

    // Inserts key -> value if absent. Returns the stored value and whether it was inserted.
    std::pair<Value*, bool> insert(uint64_t key, const Value& value)
    {
        if (key == kEmptyKey) {
            const bool inserted = !m_hasSpecial;
            if (inserted) {
                m_special = value;
                m_hasSpecial = true;
                ++m_size;
            }
            return {&m_special, inserted};
        }
        if ((m_size + 1) * 4 > m_slots.size() * 3) grow();
        for (size_t i = home(key);; i = (i + 1) & mask()) {
            Slot& slot = m_slots[i];
            if (slot.key == key) return {&slot.value, false};
            if (slot.key == kEmptyKey) {
                slot.key = key;
                slot.value = value;
                ++m_size;
                return {&slot.value, true};
            }
        }
    }

    // Removes key; copies its value to *removed when given. Returns false if it was absent.
    bool erase(uint64_t key, Value* removed = nullptr)
    {
        if (key == kEmptyKey) {
            if (!m_hasSpecial) return false;
            if (removed) *removed = m_special;
            m_hasSpecial = false;
            --m_size;
            return true;
        }
        size_t i = home(key);
        for (;; i = (i + 1) & mask()) {
            if (m_slots[i].key == key) break;
            if (m_slots[i].key == kEmptyKey) return false;
        }
        if (removed) *removed = m_slots[i].value;
        // Backward shift: pull later members of the probe run into the hole while that keeps
        // each of them reachable from its home slot.
        for (size_t j = (i + 1) & mask();; j = (j + 1) & mask()) {
            Slot& next = m_slots[j];
            if (next.key == kEmptyKey) break;
            const size_t h = home(next.key);
            // Distance from home to j must cover the hole at i for the move to be legal.
            const bool movable = ((j - h) & mask()) >= ((j - i) & mask());
            if (movable) {
                m_slots[i] = next;
                i = j;
            }
        }
        m_slots[i].key = kEmptyKey;
        m_slots[i].value = Value{};
        --m_size;
        return true;
    }

    template <typename F>
    void forEach(F&& f) const
    {
        if (m_hasSpecial) f(kEmptyKey, m_special);
        for (const Slot& slot : m_slots)
            if (slot.key != kEmptyKey) f(slot.key, slot.value);
    }

    void clear()
    {
        m_slots.assign(kInitialCapacity, Slot{});
        m_size = 0;
        m_hasSpecial = false;
    }

private:
    static constexpr uint64_t kEmptyKey = ~0ull;
    static constexpr size_t kInitialCapacity = 64;
    struct Slot {
        uint64_t key = kEmptyKey;
        Value value{};
    };

    size_t mask() const { return m_slots.size() - 1; }
    size_t home(uint64_t key) const { return static_cast<size_t>(mix64(key)) & mask(); }

    void grow()
    {
        std::vector<Slot> old(m_slots.size() * 2);
        old.swap(m_slots);
        for (const Slot& slot : old) {
            if (slot.key == kEmptyKey) continue;
            size_t i = home(slot.key);
            while (m_slots[i].key != kEmptyKey) i = (i + 1) & mask();
            m_slots[i] = slot;
        }
    }

    std::vector<Slot> m_slots;
    size_t m_size = 0;
    bool m_hasSpecial = false;
    Value m_special{};
};

}  // namespace memtrace::reader
