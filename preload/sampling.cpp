#include "sampling.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cmath>

#include "clock.h"

namespace memtrace::shim {

constinit uint64_t g_sampleRate = 0;
__thread int64_t t_bytesUntilSample __attribute__((tls_model("initial-exec"))) = 0;
__thread uintptr_t t_latestSampledBlock __attribute__((tls_model("initial-exec"))) = 0;

namespace {

__thread uint64_t t_rng __attribute__((tls_model("initial-exec"))) = 0;  // 0: not seeded yet
constinit uint64_t g_seed = 0;
constinit bool g_seeded = false;
constinit std::atomic<uint64_t> g_threadsSeeded{0};
constinit double g_rate = 0;

uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// xorshift64*: one multiply per draw, period 2^64-1, good enough for gaps.
uint64_t nextRandom()
{
    uint64_t x = t_rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t_rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

// A fixed seed (MEMTRACE_SAMPLE_SEED) gives the n-th thread to sample the same stream every run.
void seedThread()
{
    const uint64_t ordinal = g_threadsSeeded.fetch_add(1, std::memory_order_relaxed);
    uint64_t seed = g_seeded ? g_seed + ordinal * 0x632be59bd9b4e019ull
                             : eventTicks() ^ (static_cast<uint64_t>(syscall(SYS_gettid)) << 32) ^
                                   reinterpret_cast<uintptr_t>(&t_rng);
    seed = splitmix64(seed);
    t_rng = seed ? seed : 0x853c49e6748fea9bull;
}

// Exponential with mean R, rounded up to whole bytes: ceil(g) <= s exactly when g <= s, so a
// block of s bytes is sampled with probability 1 - exp(-s/R) with no rounding bias.
int64_t drawGap()
{
    const double u = static_cast<double>((nextRandom() >> 11) + 1) * 0x1.0p-53;  // (0, 1]
    const double gap = std::ceil(-std::log(u) * g_rate);
    return gap < 1 ? 1 : gap > 0x1p62 ? int64_t{1} << 62 : static_cast<int64_t>(gap);
}

}  // namespace

void initSampling(uint64_t rateBytes, uint64_t seed, bool seeded)
{
    g_sampleRate = rateBytes;
    g_rate = static_cast<double>(rateBytes);
    g_seed = seed;
    g_seeded = seeded;
}

bool crossSamplingPoint(size_t size, uint64_t& weight)
{
    if (g_sampleRate == 0) return false;
    if (t_rng == 0) {
        // First allocation of this thread: draw where its first sampling point lies.
        seedThread();
        t_bytesUntilSample = drawGap();
        const int64_t left = t_bytesUntilSample - static_cast<int64_t>(size < (size_t{1} << 62) ? size : size_t{1} << 62);
        if (left > 0) {
            t_bytesUntilSample = left;
            return false;
        }
    }
    // The next point is drawn from the end of this block (memoryless: the same distribution).
    t_bytesUntilSample = drawGap();
    const double s = static_cast<double>(size);
    const double p = -std::expm1(-s / g_rate);  // probability that this block was sampled
    const double w = s / p;
    weight = w >= 0x1p63 ? UINT64_MAX : static_cast<uint64_t>(w + 0.5);
    if (weight < size) weight = size;
    return true;
}

}  // namespace memtrace::shim
