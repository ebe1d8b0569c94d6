// ThreadRing (single-producer single-consumer) and RingRegistry (acquire, recycle only when
// the thread is gone, fork-child discard).
#include <catch2/catch.hpp>

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "thread_ring.h"

using namespace memtrace::shim;

namespace {

// The writer's side of the protocol, as capture_writer does it. An event with ts t has address
// t * 16 and, when it takes two slots, old address t * 32.
uint64_t consumeAll(ThreadRing& ring, uint64_t& expectedTs)
{
    const uint64_t end = ring.committed.load(std::memory_order_acquire);
    uint64_t next = ring.consumed.load(std::memory_order_relaxed);
    for (; next < end; next = ring.nextIndex(next)) {
        const RawEvent ev = ring.eventAt(next);
        REQUIRE(ev.ts == expectedTs);
        REQUIRE(ev.addr == expectedTs * 16);
        REQUIRE((ev.oldAddr == 0 || ev.oldAddr == expectedTs * 32));
        ++expectedTs;
    }
    ring.consumed.store(next, std::memory_order_release);
    return end;
}

// The producer's side: reserve, fill, commit; false while the ring is full.
bool tryPush(ThreadRing& ring, uint64_t ts, bool twoSlots = false)
{
    const RawEvent ev{.ts = ts, .ts2 = 0, .addr = ts * 16, .oldAddr = twoSlots ? ts * 32 : 0, .size = 0, .aux = 0,
                      .stack = 0, .thread = 0, .type = EventType::Free, .kind = {}};
    RingSlot slots[kMaxEventSlots];
    const uint32_t span = toSlots(ev, slots);
    RingSlot* slot = ring.tryReserve(span);
    if (!slot) return false;
    for (uint32_t i = 0; i < span; ++i) slot[i] = slots[i];
    ring.commit(span);
    return true;
}

}  // namespace

TEST_CASE("a full ring refuses to reserve until the consumer advances")
{
    RingRegistry registry;
    ThreadRing* ring = registry.acquire();
    REQUIRE(ring);
    for (uint32_t i = 0; i < kRingSlots; ++i) REQUIRE(tryPush(*ring, i + 1));
    CHECK(ring->tryReserve() == nullptr);
    uint64_t expected = 1;
    consumeAll(*ring, expected);
    CHECK(expected == kRingSlots + 1);
    CHECK(ring->tryReserve() != nullptr);
}

TEST_CASE("two-slot events keep their second slot, across the end of the ring too")
{
    RingRegistry registry;
    ThreadRing* ring = registry.acquire();
    REQUIRE(ring);
    // One-slot events up to the last slot, then a two-slot event in the last slot and the spare.
    uint64_t ts = 1;
    for (uint32_t i = 0; i + 1 < kRingSlots; ++i) REQUIRE(tryPush(*ring, ts++));
    CHECK_FALSE(tryPush(*ring, ts, true));  // one slot left: no room for two
    uint64_t expected = 1;
    consumeAll(*ring, expected);
    REQUIRE(tryPush(*ring, ts++, true));
    CHECK(ring->committed.load() == kRingSlots + 1);
    for (int i = 0; i < 100; ++i) REQUIRE(tryPush(*ring, ts++, i % 3 == 0));
    consumeAll(*ring, expected);
    CHECK(expected == ts);
}

TEST_CASE("commit asks for a writer wake-up once the ring passes half full")
{
    RingRegistry registry;
    ThreadRing* ring = registry.acquire();
    int wakes = 0;
    for (uint32_t i = 0; i < kRingSlots / 2 + 10; ++i) {
        ring->tryReserve()->ts = i;
        if (ring->commit()) ++wakes;
    }
    CHECK(wakes == 1);
}

TEST_CASE("producer and consumer threads pass 2M events of one and two slots in order without loss")
{
    RingRegistry registry;
    ThreadRing* ring = registry.acquire();
    constexpr uint64_t kEvents = 2'000'000;
    std::atomic<bool> done{false};
    std::thread producer([&] {
        for (uint64_t i = 1; i <= kEvents; ++i)
            while (!tryPush(*ring, i, i % 7 == 0)) std::this_thread::yield();
        done = true;
    });
    uint64_t expected = 1;
    while (!done.load() || ring->committed.load() != ring->consumed.load()) consumeAll(*ring, expected);
    producer.join();
    consumeAll(*ring, expected);
    CHECK(expected == kEvents + 1);
}

TEST_CASE("an exiting ring is recycled only after its thread is gone and it is drained")
{
    RingRegistry registry;
    std::atomic<ThreadRing*> published{nullptr};  // atomic: read while the worker runs (TSan)
    std::atomic<bool> release{false};
    std::thread worker([&] {
        ThreadRing* ring = registry.acquire();
        ring->tid = static_cast<pid_t>(syscall(SYS_gettid));
        tryPush(*ring, 1);
        ring->state.store(RingState::Exiting);  // what the pthread key destructor does
        published.store(ring);
        while (!release.load()) std::this_thread::yield();
    });
    while (!published.load()) std::this_thread::yield();
    ThreadRing* ring = published.load();
    CHECK_FALSE(RingRegistry::tryRecycle(*ring, getpid()));  // thread still alive
    release = true;
    worker.join();
    // The kernel reaps the thread shortly after join returns.
    for (int i = 0; i < 1000 && syscall(SYS_tgkill, getpid(), ring->tid, 0) == 0; ++i) usleep(1000);
    CHECK_FALSE(RingRegistry::tryRecycle(*ring, getpid()));  // gone, but one event pending
    uint64_t expected = 1;
    consumeAll(*ring, expected);
    CHECK(RingRegistry::tryRecycle(*ring, getpid()));
    CHECK(ring->state.load() == RingState::Free);
    // The next thread takes the same ring over instead of mapping a new one.
    ThreadRing* again = registry.acquire();
    CHECK(again == ring);
    CHECK(again->state.load() == RingState::InUse);
    tryPush(*again, 2);
    CHECK(again->committed.load() == 2);
}

TEST_CASE("discardForChild empties every ring and frees all but the survivor")
{
    RingRegistry registry;
    ThreadRing* a = registry.acquire();
    ThreadRing* b = registry.acquire();
    REQUIRE(a != b);
    for (ThreadRing* r : {a, b}) tryPush(*r, 1);
    registry.discardForChild(a);
    CHECK(a->state.load() == RingState::InUse);
    CHECK(b->state.load() == RingState::Free);
    CHECK(a->consumed.load() == a->committed.load());
    CHECK(b->consumed.load() == b->committed.load());
    CHECK(a->tryReserve() != nullptr);
}
