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

// The writer's side of the protocol, as capture_writer does it.
uint64_t consumeAll(ThreadRing& ring, uint64_t& expectedTs)
{
    const uint64_t end = ring.committed.load(std::memory_order_acquire);
    uint64_t next = ring.consumed.load(std::memory_order_relaxed);
    for (; next < end; ++next) {
        REQUIRE(ring.eventAt(next).ts == expectedTs);
        REQUIRE(ring.eventAt(next).addr == expectedTs * 16);
        ++expectedTs;
    }
    ring.consumed.store(next, std::memory_order_release);
    return end;
}

}  // namespace

TEST_CASE("a full ring refuses to reserve until the consumer advances")
{
    RingRegistry registry;
    ThreadRing* ring = registry.acquire();
    REQUIRE(ring);
    for (uint32_t i = 0; i < kRingEvents; ++i) {
        RawEvent* slot = ring->tryReserve();
        REQUIRE(slot);
        slot->ts = i + 1;
        slot->addr = (i + 1) * 16;
        ring->commit();
    }
    CHECK(ring->tryReserve() == nullptr);
    uint64_t expected = 1;
    consumeAll(*ring, expected);
    CHECK(expected == kRingEvents + 1);
    CHECK(ring->tryReserve() != nullptr);
}

TEST_CASE("commit asks for a writer wake-up once the ring passes half full")
{
    RingRegistry registry;
    ThreadRing* ring = registry.acquire();
    int wakes = 0;
    for (uint32_t i = 0; i < kRingEvents / 2 + 10; ++i) {
        ring->tryReserve()->ts = i;
        if (ring->commit()) ++wakes;
    }
    CHECK(wakes == 1);
}

TEST_CASE("producer and consumer threads pass 2M events in order without loss")
{
    RingRegistry registry;
    ThreadRing* ring = registry.acquire();
    constexpr uint64_t kEvents = 2'000'000;
    std::atomic<bool> done{false};
    std::thread producer([&] {
        for (uint64_t i = 1; i <= kEvents; ++i) {
            RawEvent* slot;
            while (!(slot = ring->tryReserve())) std::this_thread::yield();
            slot->ts = i;
            slot->addr = i * 16;
            ring->commit();
        }
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
        RawEvent* slot = ring->tryReserve();
        slot->ts = 1;
        slot->addr = 16;
        ring->commit();
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
    again->tryReserve()->ts = 2;
    again->commit();
    CHECK(again->committed.load() == 2);
}

TEST_CASE("discardForChild empties every ring and frees all but the survivor")
{
    RingRegistry registry;
    ThreadRing* a = registry.acquire();
    ThreadRing* b = registry.acquire();
    REQUIRE(a != b);
    for (ThreadRing* r : {a, b}) {
        r->tryReserve()->ts = 1;
        r->commit();
    }
    registry.discardForChild(a);
    CHECK(a->state.load() == RingState::InUse);
    CHECK(b->state.load() == RingState::Free);
    CHECK(a->consumed.load() == a->committed.load());
    CHECK(b->consumed.load() == b->committed.load());
    CHECK(a->tryReserve() != nullptr);
}
