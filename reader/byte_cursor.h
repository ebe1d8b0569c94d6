// Bounds-checked reads from a byte range: every read returns false instead of running past
// the end, so a corrupt capture is an error message, never undefined behaviour.
#pragma once

#include <cstdint>
#include <string_view>

#include "memtrace/format.h"
#include "memtrace/varint.h"

namespace memtrace::reader {

struct ByteCursor {
    const uint8_t* p;
    const uint8_t* end;

    size_t left() const { return static_cast<size_t>(end - p); }
    bool varint(uint64_t& out) { return varint::get(p, end, out); }
    bool signedVarint(int64_t& out) { return varint::getSigned(p, end, out); }
    bool byte(uint8_t& out)
    {
        if (p == end) return false;
        out = *p++;
        return true;
    }
    // string = varint length + bytes, at most kMaxStringLength.
    bool string(std::string_view& out)
    {
        uint64_t length;
        if (!varint(length) || length > format::kMaxStringLength || length > left()) return false;
        out = std::string_view(reinterpret_cast<const char*>(p), length);
        p += length;
        return true;
    }
    // An address field: the delta from the last address, which it updates.
    bool address(uint64_t& last, uint64_t& out)
    {
        int64_t delta;
        if (!signedVarint(delta)) return false;
        out = last + static_cast<uint64_t>(delta);
        last = out;
        return true;
    }
};

}  // namespace memtrace::reader
