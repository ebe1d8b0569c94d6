// The 64-bit hash of a call stack that keys the stack table and the per-thread cache.
// A wyhash-style multiply-fold mixer: every frame goes through a full 64x64->128 multiply, so
// stacks that differ in one frame or in order land far apart (a weak combine such as
// h*31+ip clusters stacks that share their outer frames). No allocation; hook-reachable.
#pragma once

#include <cstdint>

namespace memtrace::shim {

inline uint64_t mix64(uint64_t a, uint64_t b)
{
    const __uint128_t r = static_cast<__uint128_t>(a) * b;
    return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// Two frames per multiply, two independent lanes: the dependent chain is a quarter as long
// as one multiply per frame (the hash is on every allocation's path; 10-30 frames is common).
inline uint64_t hashFrames(const uint64_t* frames, uint32_t depth)
{
    constexpr uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull;
    constexpr uint64_t k2 = 0x8ebc6af09c88c6e3ull, k3 = 0x589965cc75374cc3ull;
    uint64_t a = k0 ^ depth, b = k1 ^ depth;
    uint32_t i = 0;
    for (; i + 4 <= depth; i += 4) {
        a = mix64(frames[i] ^ a, frames[i + 1] ^ k2);
        b = mix64(frames[i + 2] ^ b, frames[i + 3] ^ k3);
    }
    for (; i < depth; ++i) a = mix64(frames[i] ^ a, k1);
    uint64_t h = mix64(a ^ k2, b ^ k3 ^ depth);
    return h ? h : 1;  // 0 is reserved for "empty"
}

}  // namespace memtrace::shim
