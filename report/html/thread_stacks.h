// What each thread's blocks add up to per stack, for the report's thread filter: the five
// metrics (metrics.h) per (stack, allocating thread), from the report's second streaming pass
// (stack_history.cpp calls it with the blocks its CaptureModel adds and releases). A block
// belongs to the thread that allocated it.
//
//   allocations, allocated  blocks added and their bytes
//   temporary               what the model counted as temporary when the block was released
//                           (its rule, per allocating thread: the caller passes the count)
//   leaked                  bytes still live at the end
//   peak                    bytes live at the global heap peak: the lazy epoch trick of
//                           HeapTracker (every change numbered; a cell records its live bytes
//                           only when it is about to change after the current peak was set),
//                           so each event costs O(1) and nothing is scanned
//
// Memory: one cell per (stack, thread) pair that allocated, never per event.
#pragma once

#include <cstdint>

#include "metrics.h"
#include "reader/flat_hash_map.h"
#include "reader/heap_tracker.h"

namespace memtrace::report::html {

class ThreadStackTotals {
public:
    void added(const reader::LiveBlock& block)
    {
        Cell& c = beginChange(block.stack, block.thread);
        c.values[kAllocations] += block.blocks;
        c.values[kAllocated] += block.size;
        c.values[kLeaked] += block.size;
    }
    void released(const reader::LiveBlock& block) { beginChange(block.stack, block.thread).values[kLeaked] -= block.size; }
    void temporary(const reader::LiveBlock& block, uint64_t count) { cell(block.stack, block.thread).values[kTemporary] += count; }
    // The global heap peak was just set by the latest change.
    void newPeak() { m_peakSeq = m_seq; }
    // Settles the lazy peak values. Call once, after the last event.
    void finish();

    // f(stack index, thread index, values), in no particular order.
    template <typename F>
    void forEach(F&& f) const
    {
        m_cells.forEach([&](uint64_t key, const Cell& c) { f(static_cast<uint32_t>(key >> 32), static_cast<uint32_t>(key), c.values); });
    }
    size_t size() const { return m_cells.size(); }

private:
    static constexpr size_t kPeak = static_cast<size_t>(Metric::Peak), kLeaked = static_cast<size_t>(Metric::Leaked),
                            kAllocated = static_cast<size_t>(Metric::Allocated),
                            kAllocations = static_cast<size_t>(Metric::Allocations),
                            kTemporary = static_cast<size_t>(Metric::Temporary);
    struct Cell {
        MetricValues values{};  // values[kLeaked]: live bytes until finish()
        uint64_t lastChangeSeq = 0;
        uint64_t peakRecordedFor = 0;
    };
    Cell& cell(uint32_t stack, uint32_t thread)
    {
        return *m_cells.insert(static_cast<uint64_t>(stack) << 32 | thread, Cell{}).first;
    }
    Cell& beginChange(uint32_t stack, uint32_t thread)
    {
        Cell& c = cell(stack, thread);
        if (c.peakRecordedFor != m_peakSeq && c.lastChangeSeq <= m_peakSeq) {
            c.values[kPeak] = c.values[kLeaked];
            c.peakRecordedFor = m_peakSeq;
        }
        c.lastChangeSeq = ++m_seq;
        return c;
    }

    reader::FlatHashMap64<Cell> m_cells;
    uint64_t m_seq = 0;
    uint64_t m_peakSeq = 0;
};

}  // namespace memtrace::report::html
