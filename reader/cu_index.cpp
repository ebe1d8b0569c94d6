#include "cu_index.h"

#include <algorithm>

namespace memtrace::reader {

void CuIndex::build(Dwarf* dwarf)
{
    if (m_built) return;
    m_built = true;
    if (!dwarf) return;
    Dwarf_Off offset = 0, next = 0;
    size_t headerSize = 0;
    while (dwarf_nextcu(dwarf, offset, &next, &headerSize, nullptr, nullptr, nullptr) == 0) {
        Dwarf_Die cu;
        if (dwarf_offdie(dwarf, offset + headerSize, &cu)) {
            Dwarf_Addr base = 0, low = 0, high = 0;
            ptrdiff_t it = 0;
            while ((it = dwarf_ranges(&cu, it, &base, &low, &high)) > 0) {
                if (high > low) m_ranges.push_back(Range{low, high, dwarf_dieoffset(&cu)});
            }
        }
        offset = next;
    }
    std::sort(m_ranges.begin(), m_ranges.end(), [](const Range& a, const Range& b) { return a.low < b.low; });
}

bool CuIndex::find(Dwarf* dwarf, Dwarf_Addr addr, Dwarf_Die& cu) const
{
    // Last range starting at or below addr; ranges of different CUs do not overlap.
    auto it = std::upper_bound(m_ranges.begin(), m_ranges.end(), addr,
                               [](Dwarf_Addr a, const Range& r) { return a < r.low; });
    if (it == m_ranges.begin()) return false;
    --it;
    if (addr >= it->high) return false;
    return dwarf_offdie(dwarf, it->cuOffset, &cu) != nullptr;
}

}  // namespace memtrace::reader
