// What one sampled block (an AllocWeighted record) stands for (docs/SAMPLING.md).
//
// The shim samples a block of s bytes with probability p = 1 - exp(-s/R) and writes the weight
// w = s/p (rounded to whole bytes). Dividing by the sampling probability makes both estimates
// unbiased: the block counts as w bytes and as w/s blocks. w/s is rarely a whole number; it is
// rounded up or down at random with the probability that keeps its mean (stochastic rounding),
// using a hash of the record so that the same capture always gives the same numbers.
#pragma once

#include <cstdint>

#include "hash.h"

namespace memtrace::reader {

inline uint32_t estimatedBlocks(uint64_t size, uint64_t weight, uint64_t address, uint64_t ordinal)
{
    if (size == 0 || weight <= size) return 1;
    const double blocks = static_cast<double>(weight) / static_cast<double>(size);
    if (blocks >= 4294967295.0) return 0xffffffffu;
    const uint64_t whole = static_cast<uint64_t>(blocks);
    const double fraction = blocks - static_cast<double>(whole);
    const double u = static_cast<double>(mix64(address ^ (ordinal * 0x9e3779b97f4a7c15ull)) >> 11) * 0x1.0p-53;
    return static_cast<uint32_t>(whole + (u < fraction ? 1 : 0));
}

}  // namespace memtrace::reader
