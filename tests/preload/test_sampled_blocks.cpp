// SampledBlocks (preload/sampled_blocks.h): the lock-free set of live sampled addresses, through
// many rebuilds by a concurrent "writer", with inserting and removing threads.
#include <catch2/catch.hpp>

#include <atomic>
#include <random>
#include <thread>
#include <unordered_set>
#include <vector>

#include "sampled_blocks.h"

namespace memtrace::shim {
void wakeWriter() {}  // the real one wakes the writer thread; here the test's maintainer polls
}  // namespace memtrace::shim

using namespace memtrace::shim;

TEST_CASE("sampled blocks: insert, remove, absent")
{
    static SampledBlocks set;  // constinit-style object, like the shim's global
    REQUIRE(set.init());
    REQUIRE(set.insert(0x1000));
    REQUIRE(set.insert(0x2000));
    CHECK_FALSE(set.remove(0x3000));
    CHECK(set.remove(0x1000));
    CHECK_FALSE(set.remove(0x1000));
    CHECK(set.remove(0x2000));
    CHECK(set.liveCount() == 0);
}

TEST_CASE("sampled blocks: rebuilds keep every live address and grow the table")
{
    static SampledBlocks set;
    REQUIRE(set.init());
    // 300000 live addresses in a table that starts with 65536 slots: many swaps and growths.
    for (uint64_t i = 1; i <= 300000; ++i) {
        REQUIRE(set.insert(i * 64));
        if (i % 1000 == 0) set.maintain();
    }
    CHECK(set.liveCount() == 300000);
    for (uint64_t i = 1; i <= 300000; i += 2) REQUIRE(set.remove(i * 64));
    for (int k = 0; k < 4; ++k) set.maintain();
    for (uint64_t i = 1; i <= 300000; ++i) REQUIRE(set.remove(i * 64) == (i % 2 == 0));
    CHECK(set.liveCount() == 0);
}

TEST_CASE("sampled blocks: concurrent inserts and removes during rebuilds")
{
    static SampledBlocks set;
    REQUIRE(set.init());
    std::atomic<bool> done{false};
    std::thread maintainer([&] {
        while (!done.load()) set.maintain();  // rebuilds whenever the current table is half used
    });
    constexpr int kThreads = 4;
    std::atomic<int> errors{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < kThreads; ++t) {
        workers.emplace_back([&, t] {
            std::mt19937_64 rng(t + 1);
            std::vector<uint64_t> live;
            const uint64_t base = uint64_t(t + 1) << 40;
            uint64_t next = 0;
            for (int op = 0; op < 400000; ++op) {
                if (live.size() < 20000 && (live.empty() || rng() % 3 != 0)) {
                    const uint64_t a = base + (++next) * 16;
                    if (!set.insert(a)) ++errors;
                    live.push_back(a);
                } else {
                    const size_t i = rng() % live.size();
                    if (!set.remove(live[i])) ++errors;       // present: must be found
                    if (set.remove(live[i])) ++errors;        // removed: must be gone
                    live[i] = live.back();
                    live.pop_back();
                }
            }
            for (uint64_t a : live)
                if (!set.remove(a)) ++errors;
        });
    }
    for (auto& w : workers) w.join();
    done = true;
    maintainer.join();
    CHECK(errors.load() == 0);
    CHECK(set.liveCount() == 0);
}
