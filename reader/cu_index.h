// Which compile unit covers an address, for modules libdw cannot answer that for itself.
//
// dwfl_module_addrdie/getsrc find the CU through .debug_aranges; clang (14, Debian 12) emits
// none by default, and libdw 0.188 then reports "address out of range": clang-built programs
// got function names but no file:line. CuIndex builds the same table from every CU's own
// DW_AT_low_pc/high_pc/ranges once per module, sorted for binary search.
#pragma once

#include <elfutils/libdw.h>

#include <cstdint>
#include <vector>

namespace memtrace::reader {

class CuIndex {
public:
    // Reads every CU's address ranges (once; cheap to call again).
    void build(Dwarf* dwarf);
    // The CU whose ranges contain addr (a DWARF address: module address - bias).
    bool find(Dwarf* dwarf, Dwarf_Addr addr, Dwarf_Die& cu) const;

private:
    struct Range {
        Dwarf_Addr low, high;  // [low, high)
        Dwarf_Off cuOffset;    // of the CU DIE
    };
    std::vector<Range> m_ranges;
    bool m_built = false;
};

}  // namespace memtrace::reader
