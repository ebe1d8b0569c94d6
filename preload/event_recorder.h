// The producer side: what a hook does to turn a call into a RawEvent in its thread's ring.
//
// Everything here is hook-reachable and is called with the reentrancy guard set. It may not
// allocate through the program's allocator (rings are raw mappings), may not take a lock, and
// may not log. The only waiting is on a full ring (see pushEvent).
#pragma once

#include <pthread.h>

#include <cstddef>
#include <cstdint>

#include "clock.h"
#include "memtrace/format.h"

#include "raw_event.h"
#include "stack_table.h"
#include "thread_ring.h"

namespace memtrace::shim {

// The calling thread's ring; on a thread's first event, takes a ring and records ThreadStart.
// nullptr if no ring can be mapped (tracking is then being stopped).
ThreadRing* currentRing();

// Unwinds the caller and interns the stack. StackId::None if unwinding found nothing or the
// table is full (which requests a stop).
StackId captureStack(ThreadRing& ring);

// Appends an event (one ring slot, or two: raw_event.h). If the ring is full: wakes the writer
// and sleeps until there is room. An event is dropped, and counted in End's events_lost, only
// if tracking ends meanwhile or the writer makes no progress for a second (it is blocked on a
// lock this thread holds).
void pushEvent(ThreadRing& ring, const RawEvent& event);
void pushSlots(ThreadRing& ring, const RingSlot* slots, uint32_t span);

void wakeWriter();  // writer_thread.h

// pushEvent of a one-slot event that `make()` returns, built in place in the ring's next slot
// when there is one (make() may then run after the ring was found to have room: it takes the
// timestamp). Built on the stack and copied, the copy's 16-byte loads each spanned several
// of the fields' smaller stores, a store-forwarding stall: ~70% of pushEvent's samples (perf, fp).
template <class Make>
inline void pushMade(ThreadRing& ring, Make&& make)
{
    if (RingSlot* slot = ring.tryReserve()) [[likely]] {
        if (ring.writerStalled) [[unlikely]] ring.writerStalled = false;
        *slot = make();
        if (ring.commit()) wakeWriter();
        return;
    }
    const RingSlot slot = make();
    pushSlots(ring, &slot, 1);
}

// Stamps and commits an allocation the real call just returned. weight: the bytes a sampled
// block stands for (the writer then emits AllocWeighted), 0 when every allocation is recorded.
inline void pushAllocation(ThreadRing& ring, format::AllocatorKind kind, void* p, size_t size, StackId stack,
                           uint64_t weight = 0)
{
    if (weight != 0) {  // sampled: rare, and two slots
        pushEvent(ring, RawEvent{.ts = hookTicks(), .ts2 = 0, .addr = reinterpret_cast<uintptr_t>(p), .oldAddr = 0,
                                 .size = size, .aux = weight, .stack = static_cast<uint32_t>(stack),
                                 .thread = ring.threadIndex, .type = EventType::Alloc, .kind = kind});
        return;
    }
    pushMade(ring, [&] {
        return RingSlot{.ts = hookTicks(), .addr = reinterpret_cast<uintptr_t>(p), .size = size,
                        .stack = static_cast<uint32_t>(stack), .type = EventType::Alloc, .kind = kind, .span = 1,
                        .unused = 0};
    });
}

// Stamps and commits a release, BEFORE the real call releases the block.
inline void pushRelease(ThreadRing& ring, format::AllocatorKind kind, void* p)
{
    pushMade(ring, [&] {
        return RingSlot{.ts = hookTicks(), .addr = reinterpret_cast<uintptr_t>(p), .size = 0, .stack = 0,
                        .type = EventType::Free, .kind = kind, .span = 1, .unused = 0};
    });
}

// Brackets a real realloc/mremap/munmap: while set, the writer emits nothing at or after
// `since` (see thread_ring.h). The fence orders the store before the real call's release.
void beginInFlight(ThreadRing& ring, uint64_t since);
void endInFlight(ThreadRing& ring);

// Records a rename of `thread` (the caller or another thread of the process).
void recordThreadName(pthread_t thread, const char* name);

// pthread key destructor: the thread is exiting (it may still record from later TLS
// destructors; the writer recycles the ring only once the thread is gone).
void onThreadExit(void* ring);

// Fork child: the forking thread keeps its ring and announces itself in the new capture.
void announceThreadInChild();

// The pthread key whose destructor marks rings Exiting. Created at init.
bool createRingKey();

}  // namespace memtrace::shim
