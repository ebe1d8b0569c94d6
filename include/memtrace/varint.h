// LEB128 variable-length integers and zigzag mapping, as used by every record in a capture.
//
//   value 300 = 0b1_0010_1100  ->  bytes 0xAC 0x02
//             low 7 bits first, high bit set on every byte but the last.
//   zigzag maps signed deltas to small unsigned values: 0,-1,1,-2,2 -> 0,1,2,3,4.
//
// Header-only and allocation-free: the shim's writer thread and the reader's hot loop use it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memtrace::varint {

inline constexpr size_t kMaxBytes = 10;  // a 64-bit value needs at most 10 bytes

constexpr uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
constexpr int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// Writes v at p (which must have kMaxBytes of room) and returns the byte after it.
inline uint8_t* put(uint8_t* p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = static_cast<uint8_t>(v) | 0x80;
        v >>= 7;
    }
    *p++ = static_cast<uint8_t>(v);
    return p;
}

inline uint8_t* putSigned(uint8_t* p, int64_t v) { return put(p, zigzag(v)); }

// Writes v (< 2^28) as exactly 4 bytes: a valid but padded LEB128. Used for record lengths
// that are patched after the payload is written.
inline void putPadded4(uint8_t* p, uint32_t v)
{
    p[0] = static_cast<uint8_t>(v & 0x7f) | 0x80;
    p[1] = static_cast<uint8_t>((v >> 7) & 0x7f) | 0x80;
    p[2] = static_cast<uint8_t>((v >> 14) & 0x7f) | 0x80;
    p[3] = static_cast<uint8_t>((v >> 21) & 0x7f);
}

// Reads a varint from [p, end). Returns false (and leaves p unspecified) when the bytes run out
// or the value does not fit 64 bits: a corrupt capture, never undefined behaviour.
inline bool get(const uint8_t*& p, const uint8_t* end, uint64_t& out)
{
    uint64_t result = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (p == end) return false;
        const uint8_t byte = *p++;
        if (shift == 63 && byte > 1) return false;
        result |= static_cast<uint64_t>(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            out = result;
            return true;
        }
    }
    return false;
}

// As get(), for a caller that knows at least kMaxBytes bytes follow p (no end check per byte).
// Still rejects a value that does not fit 64 bits.
inline bool getUnchecked(const uint8_t*& p, uint64_t& out)
{
    uint64_t byte = *p++;
    if (byte < 0x80) [[likely]] {
        out = byte;
        return true;
    }
    uint64_t result = byte & 0x7f;
    for (unsigned shift = 7; shift < 64; shift += 7) {
        byte = *p++;
        if (shift == 63 && byte > 1) return false;
        result |= (byte & 0x7f) << shift;
        if (byte < 0x80) {
            out = result;
            return true;
        }
    }
    return false;
}

inline bool getSigned(const uint8_t*& p, const uint8_t* end, int64_t& out)
{
    uint64_t raw;
    if (!get(p, end, raw)) return false;
    out = unzigzag(raw);
    return true;
}

}  // namespace memtrace::varint
