// Memory mapped by the traced program's mmap/mremap/munmap calls, exact to the byte.
//
// Mappings are kept as an interval map (start -> end, stack, kind) of disjoint ranges, so a
// munmap of part of a mapping, a hole punched in the middle, an mremap that grows, shrinks or
// moves, and a MAP_FIXED mapping over an older one all leave exactly the bytes the kernel
// would. Heap accounting (HeapTracker) never sees these bytes.
//
// An mremap of a range the tracker never saw still creates the new mapping: after the call the
// program owns [new, new + new_length) through a tracked call.
#pragma once

#include <cstdint>
#include <map>

#include "ids.h"
#include "kind_totals.h"
#include "memtrace/format.h"

namespace memtrace::reader {

class MmapTracker {
public:
    void map(format::AllocatorKind kind, uint64_t address, uint64_t length, StackIndex stack, uint64_t timeUs);
    void unmap(uint64_t address, uint64_t length);
    void remap(uint64_t oldAddress, uint64_t oldLength, uint64_t newAddress, uint64_t newLength, StackIndex stack,
               uint64_t timeUs);

    uint64_t bytes() const { return m_bytes; }
    uint64_t peakBytes() const { return m_peakBytes; }
    uint64_t peakTimeUs() const { return m_peakTimeUs; }
    uint64_t mappedBytesTotal() const { return m_mappedTotal; }  // sum of lengths mapped
    uint64_t unmappedBytesTotal() const { return m_unmappedTotal; }
    uint64_t mmapCalls() const { return m_mmapCalls; }
    uint64_t munmapCalls() const { return m_munmapCalls; }
    uint64_t mremapCalls() const { return m_mremapCalls; }
    uint64_t munmapsUnmatched() const { return m_munmapsUnmatched; }  // removed no tracked byte
    // mmap kinds: calls and bytes mapped; munmap: calls and bytes removed; mremap: calls and new length.
    const KindTable& byKind() const { return m_byKind; }
    size_t mappingCount() const { return m_mappings.size(); }

    struct Mapping {
        uint64_t end;
        uint32_t stack;
        format::AllocatorKind kind;
    };
    const std::map<uint64_t, Mapping>& mappings() const { return m_mappings; }

private:
    // Removes [start, end) from every mapping; returns the bytes removed and the stack/kind of
    // the first piece removed.
    uint64_t cut(uint64_t start, uint64_t end, Mapping* first);
    void insert(uint64_t start, uint64_t end, uint32_t stack, format::AllocatorKind kind, uint64_t timeUs);

    std::map<uint64_t, Mapping> m_mappings;
    uint64_t m_bytes = 0;
    uint64_t m_peakBytes = 0;
    uint64_t m_peakTimeUs = 0;
    uint64_t m_mappedTotal = 0;
    uint64_t m_unmappedTotal = 0;
    uint64_t m_mmapCalls = 0;
    uint64_t m_munmapCalls = 0;
    uint64_t m_mremapCalls = 0;
    uint64_t m_munmapsUnmatched = 0;
    KindTable m_byKind{};
};

}  // namespace memtrace::reader
