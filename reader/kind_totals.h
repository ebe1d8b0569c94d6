// Count and bytes per AllocatorKind (indexed by the kind's byte value).
#pragma once

#include <array>
#include <cstdint>

namespace memtrace::reader {

struct KindTotals {
    uint64_t count = 0;
    uint64_t bytes = 0;
};

using KindTable = std::array<KindTotals, 256>;

}  // namespace memtrace::reader
