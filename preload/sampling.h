// Byte sampling (`memtrace run --sample-rate BYTES`), the per-thread half: which allocations
// are recorded and what each recorded one stands for. docs/SAMPLING.md has the method.
//
// Every byte the program allocates is a sampling point with probability 1/R: each thread
// counts down the bytes to its next sampling point, and the distance between two points is
// drawn from an exponential distribution with mean R (jemalloc's and tcmalloc's method). An
// allocation that contains a point is recorded. Because the gaps are memoryless, each block of
// s bytes is sampled independently with p(s) = 1 - exp(-s/R), and a sampled block stands for
// s/p bytes and 1/p blocks: the recorded weight is s/p in bytes; the reader derives the block
// count as weight/size (sample_weights.h). Both estimates are unbiased.
//
// Hook-reachable (the fast path runs on every allocation): no allocation, no lock, no libc
// rand; the per-thread state is initial-exec TLS.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memtrace::shim {

// Mean bytes between two sampling points; 0 = sampling off (every event recorded). Set at init.
extern constinit uint64_t g_sampleRate;

inline bool samplingEnabled() { return g_sampleRate != 0; }

// Bytes this thread may still allocate before its next sampling point (<= 0: not drawn yet).
extern __thread int64_t t_bytesUntilSample __attribute__((tls_model("initial-exec")));

// The latest block this thread allocated if it was sampled and is still live (0: none). The
// reader counts a free as temporary when the block is still its thread's latest recorded
// allocation; an unsampled allocation in between must tell it otherwise (sampling_hooks.h).
extern __thread uintptr_t t_latestSampledBlock __attribute__((tls_model("initial-exec")));

// Slow path of takeSample: the countdown ran out (or was never drawn). Out of line.
bool crossSamplingPoint(size_t size, uint64_t& weight);

// Decides whether an allocation of `size` bytes is recorded; if so sets `weight` (the bytes
// the block stands for, >= size). Zero-size allocations are never sampled.
inline bool takeSample(size_t size, uint64_t& weight)
{
    // Sizes past 2^62 (failing requests) are clamped so the subtraction cannot overflow.
    const int64_t bytes = size < (size_t{1} << 62) ? static_cast<int64_t>(size) : int64_t{1} << 62;
    const int64_t left = t_bytesUntilSample - bytes;
    if (left > 0) [[likely]] {
        t_bytesUntilSample = left;
        return false;
    }
    if (size == 0) return false;
    return crossSamplingPoint(size, weight);
}

// Reads the rate and the optional fixed seed (tests) at init.
void initSampling(uint64_t rateBytes, uint64_t seed, bool seeded);

}  // namespace memtrace::shim
