// The mixer every reader hash map uses. Addresses and ids have structured low bits (alignment,
// density); a weak hash turns that into long probe chains (heaptrack 1.4's symbolizer tried to
// allocate 25 GB because of one). splitmix64's finalizer spreads every input bit.
#pragma once

#include <cstdint>

namespace memtrace::reader {

constexpr uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

struct Mix64Hash {
    template <typename Id>
    uint64_t operator()(const Id& id) const
    {
        if constexpr (requires { id.value(); }) return mix64(static_cast<uint64_t>(id.value()));
        else return mix64(static_cast<uint64_t>(id));
    }
};

}  // namespace memtrace::reader
