// The event clock (clock.h): ticks never go backwards on one thread, a stamp taken after
// another thread's release store was observed is never smaller than that thread's stamp
// before the store (the property the writer's causal cut relies on), and the writer's
// conversion to time since the capture start tracks CLOCK_MONOTONIC.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "clock.h"

using namespace memtrace::shim;

// Never backwards on one thread, and ordered across two threads through a release store and
// an acquire load (ping-pong: each side stamps, publishes the stamp, the other side observes
// it and stamps).
template <class Clock>
void requireMonotonicAndOrdered(Clock clock)
{
    uint64_t previous = clock();
    for (int i = 0; i < 100000; ++i) {
        const uint64_t now = clock();
        REQUIRE(now >= previous);
        previous = now;
    }
    std::atomic<uint64_t> published{0};
    std::atomic<int> turn{0};
    constexpr int kRounds = 20000;
    std::atomic<int> violations{0};
    auto player = [&](int me) {
        for (int round = 0; round < kRounds; ++round) {
            while (turn.load(std::memory_order_acquire) != me) {}
            const uint64_t seen = published.load(std::memory_order_relaxed);
            const uint64_t mine = clock();
            if (mine < seen) violations.fetch_add(1);
            published.store(clock(), std::memory_order_relaxed);
            turn.store(1 - me, std::memory_order_release);
        }
    };
    std::thread a(player, 0), b(player, 1);
    a.join();
    b.join();
    CHECK(violations.load() == 0);
}

TEST_CASE("event ticks are monotonic and ordered across threads")
{
    initTickClock();
    INFO("ticks are " << (g_ticksAreTsc ? "TSC cycles" : "CLOCK_MONOTONIC ns"));
    requireMonotonicAndOrdered([] { return eventTicks(); });
}

TEST_CASE("hook ticks are monotonic and ordered across threads, with each way to read the TSC")
{
    initTickClock();
    const HookClock chosen = g_hookClock;
    INFO("hook clock " << static_cast<int>(chosen));
    CHECK((chosen == HookClock::Monotonic) == !g_ticksAreTsc);
    requireMonotonicAndOrdered([] { return hookTicks(); });
    if (g_ticksAreTsc) {
        // RDTSCP works on every CPU with an invariant TSC (initTickClock checks the flag).
        g_hookClock = HookClock::Rdtscp;
        requireMonotonicAndOrdered([] { return hookTicks(); });
        // The two TSC reads are one clock: interleaved, they never go backwards.
        g_hookClock = chosen;
        uint64_t previous = 0;
        for (int i = 0; i < 10000; ++i) {
            g_hookClock = (i & 1) ? HookClock::Rdtscp : chosen;
            const uint64_t now = hookTicks();
            REQUIRE(now >= previous);
            previous = now;
        }
        g_hookClock = chosen;
    }
}

TEST_CASE("ticks convert to elapsed nanoseconds")
{
    initTickClock();
    TickConverter clock;
    const uint64_t startNs = monotonicNs();
    const uint64_t startTicks = eventTicks();
    clock.start(startNs, startTicks);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    const uint64_t ns = monotonicNs(), ticks = eventTicks();
    clock.refine(ns, ticks);
    const double converted = static_cast<double>(clock.toNsSinceStart(ticks));
    const double real = static_cast<double>(ns - startNs);
    CHECK(converted == Approx(real).epsilon(0.001));
    CHECK(clock.toNsSinceStart(startTicks) == 0);
    CHECK(clock.toNsSinceStart(startTicks - 1) == 0);
}
