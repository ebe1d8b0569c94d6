// A thread's single-producer single-consumer ring of events (RingSlots, raw_event.h), plus the thread's private
// scratch space (unwind buffer, stack-id cache) that lives in the same mapping.
//
// Protocol (no read-modify-write atomics on the producer's path):
//   producer: write the slot, then committed.store(head + 1, release)
//   writer:   committed.load(acquire), read slots, then consumed.store(n, release)
//   producer: when it looks full, consumed.load(acquire) again; if still full it waits
//             (wakes the writer, sleeps: waitForRoom). An event is dropped (and counted as lost) only if
//             the writer consumes nothing for a second (see pushEvent).
//
// inFlightSince: a producer inside realloc/mremap/munmap publishes the time it started the
// real call (which may release a block another thread can then reuse) so the writer holds
// back every event at or after that time until this call's event is committed.
//
// Lifetime: a ring is mapped once and never unmapped. When its thread exits the ring becomes
// Exiting; the writer makes it Free once the thread is gone and the ring drained, and the next
// new thread takes it over (threads created in a loop do not grow memory).
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>

#include "memtrace/format.h"
#include "cfi_walk.h"
#include "frame_walk.h"
#include "raw_event.h"

namespace memtrace::shim {

inline constexpr uint32_t kRingSlots = 16384;  // 512 KiB: 16384 mallocs or frees
inline constexpr uint32_t kStackCacheSlots = 256;
inline constexpr uint32_t kUnwindCapacity = format::kMaxStackDepth + 64;

enum class RingState : uint32_t { Free = 0, InUse = 1, Exiting = 2 };

struct StackCacheSlot {
    uint64_t hash;
    uint32_t id;
    uint32_t depth;
};

class ThreadRing {
public:
    // ---- producer side: the owning thread, inside a hook. No allocation, no lock. ----

    // The next `span` free slots (contiguous: an event's second slot may be the spare slot
    // past the end), or nullptr while the ring is full.
    RingSlot* tryReserve(uint32_t span = 1)
    {
        if (m_head + span - m_consumedSeen > kRingSlots) {
            m_consumedSeen = consumed.load(std::memory_order_acquire);
            if (m_head + span - m_consumedSeen > kRingSlots) return nullptr;
        }
        return &m_slots[m_head % kRingSlots];
    }

    // Publishes the reserved slots. Returns true when the writer should be woken (the ring is
    // past half full and was not reported at this level yet).
    bool commit(uint32_t span = 1)
    {
        m_head += span;
        committed.store(m_head, std::memory_order_release);
        if (m_head - m_consumedSeen < kRingSlots / 2) return false;
        m_consumedSeen = consumed.load(std::memory_order_acquire);
        if (m_head - m_consumedSeen < kRingSlots / 2 || m_head - m_lastWake < kRingSlots / 8) return false;
        m_lastWake = m_head;
        return true;
    }

    // ---- writer side ----
    // Indexes count slots: the event at `index` is followed by the one at nextIndex(index).
    RawEvent eventAt(uint64_t index) const { return fromSlots(&m_slots[index % kRingSlots], threadIndex); }
    uint64_t nextIndex(uint64_t index) const { return index + m_slots[index % kRingSlots].span; }

    // Called by the thread that takes the ring over (new owner, or the forked child's thread):
    // re-reads the counters, which the previous owner may have left behind.
    void resetProducer()
    {
        m_head = committed.load(std::memory_order_acquire);
        m_consumedSeen = consumed.load(std::memory_order_acquire);
        m_lastWake = m_head;
    }

    // Shared counters, each on its own cache line.
    alignas(64) std::atomic<uint64_t> committed{0};
    alignas(64) std::atomic<uint64_t> consumed{0};
    alignas(64) std::atomic<uint64_t> inFlightSince{0};
    // Back-pressure (waitForRoom): the writer bumps roomWord after storing `consumed`; the
    // producer sleeps on it while the ring is full. Per ring, so that room made in one ring
    // wakes only its own thread, not every thread that waits.
    alignas(64) std::atomic<uint32_t> roomWord{0};
    std::atomic<uint32_t> roomWaiters{0};
    std::atomic<RingState> state{RingState::InUse};
    ThreadRing* next = nullptr;  // registry list; set once before the ring is published

    // Owner identity, written by the owner before its first commit.
    uint32_t threadIndex = 0;
    pid_t tid = 0;
    pthread_t thread{};
    uintptr_t stackLow = 0;   // frame-pointer unwinding bounds (0: unknown)
    uintptr_t stackHigh = 0;
    // The thread's first event came from a handler on its alternate signal stack: the bounds
    // above are that stack's until an event of the thread comes from elsewhere (its own stack),
    // where they are found again (event_recorder.cpp).
    bool stackBoundsDeferred = false;

    // Owner-private scratch.
    bool writerStalled = false;  // see pushEvent: drop instead of waiting while set
    StackCacheSlot stackCache[kStackCacheSlots] = {};
    FrameWalkMemo walkMemo;  // fp only (frame_walk.h)
    CfiWalkMemo cfiMemo;     // default unwinder only (cfi_walk.h), like the rule cache
    FrameRuleCache ruleCache;
    uint32_t codeUnloadsSeen = 0;  // g_codeUnloads when the two above were last valid
    uint64_t unwindBuffer[kUnwindCapacity] = {};

private:
    uint64_t m_head = 0;
    uint64_t m_consumedSeen = 0;
    uint64_t m_lastWake = 0;
    RingSlot m_slots[kRingSlots + 1];  // + 1: the second slot of an event in the last one
};

// A producer whose ring is full sleeps until the writer has consumed more, instead of
// spinning on sched_yield: on a machine with as many busy program threads as cores, a
// spinning producer burns the CPU time the writer needs to make room (perf showed ~10% of
// the program's CPU in sched_yield and futex wake-ups). Futex on the ring's word, no lock.
//   producer: ring full; g = roomGeneration(ring); if the ring is still full, waitForRoom(ring, g)
//   writer:   store the ring's consumed counter, then announceRoom(ring)
// Reading g only once the ring looked full keeps the shared word off the fast path; the
// second check after it sees any room announced before g was read. waitForRoom returns when
// the word moved past g (at once if it already had), or after at most 1 ms, so a missed
// wake-up costs 1 ms, never a hang.
uint32_t roomGeneration(const ThreadRing& ring);
void waitForRoom(ThreadRing& ring, uint32_t generation);
void announceRoom(ThreadRing& ring);

// The global list of rings. Lock-free: rings are pushed with a CAS and never removed.
class RingRegistry {
public:
    // A ring for the calling thread: a Free one taken over, or a newly mapped one.
    // nullptr if mapping fails. Hook-reachable: no allocation (raw mmap), no lock.
    ThreadRing* acquire();

    ThreadRing* first() const { return m_head.load(std::memory_order_acquire); }

    // Writer side: makes an Exiting ring Free if its thread is gone (tgkill says ESRCH) and
    // everything it committed has been consumed. Returns true if recycled.
    static bool tryRecycle(ThreadRing& ring, pid_t pid);

    // Fork child: every ring but `survivor` belonged to a thread that does not exist here;
    // their unconsumed events belong to the parent. All are emptied and made Free.
    void discardForChild(ThreadRing* survivor);

private:
    std::atomic<ThreadRing*> m_head{nullptr};
};

}  // namespace memtrace::shim
