#include "mmap_tracker.h"

#include <limits>

namespace memtrace::reader {

namespace {

uint64_t endOf(uint64_t start, uint64_t length)
{
    const uint64_t max = std::numeric_limits<uint64_t>::max();
    return length > max - start ? max : start + length;
}

}  // namespace

uint64_t MmapTracker::cut(uint64_t start, uint64_t end, Mapping* first)
{
    if (start >= end) return 0;
    uint64_t removed = 0;
    bool haveFirst = false;
    // Start at the last mapping beginning at or before `start` (it may straddle it).
    auto it = m_mappings.upper_bound(start);
    if (it != m_mappings.begin()) --it;
    while (it != m_mappings.end() && it->first < end) {
        const uint64_t mStart = it->first;
        const Mapping m = it->second;
        if (m.end <= start) {
            ++it;
            continue;
        }
        if (first && !haveFirst) {
            *first = m;
            haveFirst = true;
        }
        const uint64_t cutStart = mStart > start ? mStart : start;
        const uint64_t cutEnd = m.end < end ? m.end : end;
        removed += cutEnd - cutStart;
        it = m_mappings.erase(it);
        if (mStart < cutStart) m_mappings.emplace(mStart, Mapping{cutStart, m.stack, m.kind});  // left part stays
        if (cutEnd < m.end) it = m_mappings.emplace(cutEnd, Mapping{m.end, m.stack, m.kind}).first;  // right part
    }
    m_bytes -= removed;
    m_unmappedTotal += removed;
    return removed;
}

void MmapTracker::insert(uint64_t start, uint64_t end, uint32_t stack, format::AllocatorKind kind, uint64_t timeUs)
{
    if (start >= end) return;
    cut(start, end, nullptr);  // MAP_FIXED over an older mapping replaces it
    m_mappings.emplace(start, Mapping{end, stack, kind});
    m_bytes += end - start;
    if (m_bytes > m_peakBytes) {
        m_peakBytes = m_bytes;
        m_peakTimeUs = timeUs;
    }
}

void MmapTracker::map(format::AllocatorKind kind, uint64_t address, uint64_t length, StackIndex stack, uint64_t timeUs)
{
    ++m_mmapCalls;
    m_mappedTotal += length;
    m_byKind[static_cast<uint8_t>(kind)].count += 1;
    m_byKind[static_cast<uint8_t>(kind)].bytes += length;
    insert(address, endOf(address, length), stack.value(), kind, timeUs);
}

void MmapTracker::unmap(uint64_t address, uint64_t length)
{
    ++m_munmapCalls;
    const uint64_t removed = cut(address, endOf(address, length), nullptr);
    if (removed == 0) ++m_munmapsUnmatched;
    KindTotals& k = m_byKind[static_cast<uint8_t>(format::AllocatorKind::Munmap)];
    k.count += 1;
    k.bytes += removed;
}

void MmapTracker::remap(uint64_t oldAddress, uint64_t oldLength, uint64_t newAddress, uint64_t newLength, StackIndex stack,
                        uint64_t timeUs)
{
    ++m_mremapCalls;
    KindTotals& k = m_byKind[static_cast<uint8_t>(format::AllocatorKind::Mremap)];
    k.count += 1;
    k.bytes += newLength;
    Mapping first{0, stack.value(), format::AllocatorKind::Mremap};
    const uint64_t removed = cut(oldAddress, endOf(oldAddress, oldLength), &first);
    if (newAddress == 0 && newLength == 0) return;
    if (newLength > removed) m_mappedTotal += newLength - removed;
    const uint32_t owner = stack.value() != 0 ? stack.value() : first.stack;
    insert(newAddress, endOf(newAddress, newLength), owner, removed ? first.kind : format::AllocatorKind::Mremap, timeUs);
}

}  // namespace memtrace::reader
