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

inline uint64_t hashFrames(const uint64_t* frames, uint32_t depth)
{
    uint64_t h = 0xa0761d6478bd642full ^ depth;
    for (uint32_t i = 0; i < depth; ++i) h = mix64(h ^ frames[i], 0xe7037ed1a0b428dbull);
    h = mix64(h ^ 0x8ebc6af09c88c6e3ull, 0x589965cc75374cc3ull ^ depth);
    return h ? h : 1;  // 0 is reserved for "empty"
}

}  // namespace memtrace::shim
