// CompressionBudget: the thorough zstd level is used only while its measured cost fits in
// kShare of wall time; an idle writer gets it for every chunk.
#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "compression_budget.h"
#include "idle_cores.h"

using memtrace::shim::CompressionBudget;
using memtrace::shim::IdleCores;

namespace {

constexpr size_t kChunk = size_t{1} << 20;
constexpr uint64_t kMs = 1000000;
constexpr uint64_t kStallEvents = 8192;
// Few enough events per chunk that half a ring takes longer than any compression below.
constexpr uint64_t kEventsPerChunk = 100;

struct Outcome {
    uint64_t thoroughChunks = 0;
    uint64_t chunks = 0;
    uint64_t thoroughCpuNs = 0;
};

// A writer that compresses a 1 MiB chunk every `intervalMs` for `seconds`, where the fast level
// costs `fastNs` and the thorough one `thoroughNs`.
Outcome simulate(uint64_t intervalMs, uint64_t fastNs, uint64_t thoroughNs, uint64_t seconds)
{
    CompressionBudget budget;
    budget.start(0, kStallEvents);
    Outcome out;
    for (uint64_t now = intervalMs * kMs; now <= seconds * 1000 * kMs; now += intervalMs * kMs) {
        const int level = budget.levelFor(kChunk, kEventsPerChunk, now);
        const uint64_t cost = level == CompressionBudget::kThoroughLevel ? thoroughNs : fastNs;
        budget.spent(level, kChunk, cost);
        ++out.chunks;
        if (level == CompressionBudget::kThoroughLevel) {
            ++out.thoroughChunks;
            out.thoroughCpuNs += cost;
        }
    }
    return out;
}

}  // namespace

TEST_CASE("a capture starts at the fast level: there is no credit yet")
{
    CompressionBudget budget;
    budget.start(1000, kStallEvents);
    CHECK(budget.levelFor(kChunk, kEventsPerChunk, 1000) == CompressionBudget::kFastLevel);
}

TEST_CASE("an idle writer compresses every chunk thoroughly once it has measured the cost")
{
    // sqlite3-like: a chunk every 500 ms, thorough 5 ms (1% of the interval).
    const Outcome out = simulate(500, 1 * kMs, 5 * kMs, 60);
    CHECK(out.chunks == 120);
    CHECK(out.thoroughChunks >= out.chunks - 2);
}

TEST_CASE("a busy writer spends at most its share of wall time on the thorough level")
{
    // alloc_bench-like: a chunk every 30 ms, thorough 15 ms (half of the interval).
    const uint64_t seconds = 100;
    const Outcome out = simulate(30, 2 * kMs, 15 * kMs, seconds);
    const uint64_t wallNs = seconds * 1000 * kMs;
    const uint64_t share = wallNs / CompressionBudget::kShareDivisor;
    CHECK(out.thoroughCpuNs <= share + CompressionBudget::kCreditCapNs);
    CHECK(out.thoroughCpuNs >= share / 2);  // and it does use it: captures get smaller
    CHECK(out.thoroughChunks < out.chunks / 4);
}

TEST_CASE("a thorough level that got too slow is tried again once the credit covers it")
{
    CompressionBudget budget;
    budget.start(0, kStallEvents);
    uint64_t now = 0;
    // Earn the cap, then one very slow thorough chunk (150 ms).
    now += 10 * CompressionBudget::kCreditCapNs * CompressionBudget::kShareDivisor;
    REQUIRE(budget.levelFor(kChunk, kEventsPerChunk, now) == CompressionBudget::kThoroughLevel);
    budget.spent(CompressionBudget::kThoroughLevel, kChunk, 150 * kMs);
    CHECK(budget.levelFor(kChunk, kEventsPerChunk, now) == CompressionBudget::kFastLevel);
    // Credit is capped, so the prediction (150 ms) must fit under the cap to be tried again.
    now += 10 * CompressionBudget::kCreditCapNs * CompressionBudget::kShareDivisor;
    CHECK(budget.levelFor(kChunk, kEventsPerChunk, now) == CompressionBudget::kThoroughLevel);
}

TEST_CASE("small chunks pay for the thorough level but do not set its rate")
{
    CompressionBudget budget;
    budget.start(0, kStallEvents);
    uint64_t now = 2 * CompressionBudget::kCreditCapNs * CompressionBudget::kShareDivisor;
    // A big chunk measured at the fast level: thorough predicted at kUnmeasuredFactor x that.
    budget.spent(CompressionBudget::kFastLevel, kChunk, 1 * kMs);
    REQUIRE(budget.levelFor(kChunk, kEventsPerChunk, now) == CompressionBudget::kThoroughLevel);
    const int64_t before = budget.creditNs();
    // 1000 bytes taking 1 ms (zstd's set-up) would be 1 us a byte: 1 s for a 1 MiB chunk.
    budget.spent(CompressionBudget::kThoroughLevel, 1000, 1 * kMs);
    CHECK(budget.creditNs() == before - static_cast<int64_t>(1 * kMs));
    CHECK(budget.levelFor(kChunk, kEventsPerChunk, now + 1000 * kMs) == CompressionBudget::kThoroughLevel);
}

TEST_CASE("with an idle core the thorough level may take kIdleShare of wall time")
{
    // A chunk every 50 ms whose thorough compression takes 5 ms (10%): over kShare, under kIdleShare.
    auto thoroughChunks = [](bool idleCore) {
        CompressionBudget budget;
        budget.start(0, kStallEvents);
        uint64_t count = 0;
        for (uint64_t now = 50 * kMs; now <= 60'000 * kMs; now += 50 * kMs) {
            const int level = budget.levelFor(kChunk, kEventsPerChunk, now, idleCore);
            budget.spent(level, kChunk, level == CompressionBudget::kThoroughLevel ? 5 * kMs : 1 * kMs);
            count += level == CompressionBudget::kThoroughLevel;
        }
        return count;
    };
    const uint64_t busy = thoroughChunks(false), idle = thoroughChunks(true);
    CHECK(idle >= 1195);  // of 1200
    CHECK(busy < 600);    // 4% of 60 s = 2.4 s = at most ~480 chunks of 5 ms, plus the cap
}

TEST_CASE("/proc/stat's first line gives idle + iowait ticks")
{
    uint64_t idle = 0;
    REQUIRE(IdleCores::parseIdleTicks("cpu  4705 356 584 3699176 23 0 127 0 0 0\ncpu0 1 2 3 4 5\n", idle));
    CHECK(idle == 3699176 + 23);
    CHECK_FALSE(IdleCores::parseIdleTicks("cpu0 1 2 3 4 5\n", idle));
    CHECK_FALSE(IdleCores::parseIdleTicks("cpu  1 2 3\n", idle));
    CHECK_FALSE(IdleCores::parseIdleTicks("intr 1 2 3 4 5\n", idle));
}

// A budget with plenty of credit whose thorough level was measured at `thoroughNs` a chunk;
// then, for each entry of `eventsPerChunk`, the level of a chunk 30 ms later holding that many.
static std::vector<int> levelsAfterMeasuring(uint64_t thoroughNs, size_t sliceBytes, std::initializer_list<uint64_t> eventsPerChunk)
{
    CompressionBudget budget;
    budget.start(0, kStallEvents, sliceBytes);
    uint64_t now = 2 * CompressionBudget::kCreditCapNs * CompressionBudget::kShareDivisor;
    budget.levelFor(kChunk, kEventsPerChunk, now);
    budget.spent(CompressionBudget::kThoroughLevel, kChunk, thoroughNs);
    std::vector<int> levels;
    for (const uint64_t events : eventsPerChunk) {
        now += 30 * kMs;
        levels.push_back(budget.levelFor(kChunk, events, now));
    }
    return levels;
}

TEST_CASE("no thorough chunk that would stall the program's threads on a full ring")
{
    // Measured 5 ms. 300 000 events in 30 ms: half a ring fills in 0.8 ms; 30 000: in 8.2 ms.
    const std::vector<int> levels = levelsAfterMeasuring(5 * kMs, SIZE_MAX, {300000, 30000});
    CHECK(levels == std::vector<int>{CompressionBudget::kFastLevel, CompressionBudget::kThoroughLevel});
}

TEST_CASE("compressed in slices, the stall bound is one slice's time")
{
    // 8 ms a chunk, 1 ms a slice. 100 000 events in 30 ms: half a ring fills in 2.5 ms, longer
    // than a slice (not the chunk); 400 000: in 0.6 ms, shorter than a slice.
    const std::vector<int> levels = levelsAfterMeasuring(8 * kMs, kChunk / 8, {100000, 400000});
    CHECK(levels == std::vector<int>{CompressionBudget::kThoroughLevel, CompressionBudget::kFastLevel});
}

TEST_CASE("a thorough level that hardly compresses better is only probed now and then")
{
    CompressionBudget budget;
    budget.start(0, kStallEvents);
    uint64_t now = 2 * CompressionBudget::kCreditCapNs * CompressionBudget::kShareDivisor;
    // Plenty of credit and time: every chunk could be thorough, but it gives 2% only.
    auto chunk = [&](size_t fastBytes, size_t thoroughBytes) {
        now += 1000 * kMs;
        const int level = budget.levelFor(kChunk, kEventsPerChunk, now);
        const bool thorough = level == CompressionBudget::kThoroughLevel;
        budget.spent(level, kChunk, thorough ? 4 * kMs : 1 * kMs, thorough ? thoroughBytes : fastBytes);
        return level;
    };
    budget.spent(CompressionBudget::kFastLevel, kChunk, 1 * kMs, 600000);
    REQUIRE(chunk(600000, 588000) == CompressionBudget::kThoroughLevel);  // not measured yet: tried
    int thorough = 0;
    for (uint32_t i = 0; i < 4 * (CompressionBudget::kProbeInterval + 1); ++i)
        thorough += chunk(600000, 588000) == CompressionBudget::kThoroughLevel;
    CHECK(thorough == 4);  // one probe after every kProbeInterval fast chunks
    // The data changes: the probe finds a 20% gain, and the thorough level is used again.
    int afterChange = 0;
    for (uint32_t i = 0; i < CompressionBudget::kProbeInterval + 9; ++i)
        afterChange += chunk(600000, 480000) == CompressionBudget::kThoroughLevel;
    CHECK(afterChange >= 8);
}
