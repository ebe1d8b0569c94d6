// One event as a hook leaves it in its thread's ring: fixed-size slots, no pointers to chase,
// no encoding work on the hot path. The writer thread turns it into a capture record.
//
// RawEvent is the event with every field; in the ring it takes one 32-byte RingSlot, or two
// when it needs ts2, oldAddr or aux (packed by toSlots, unpacked by fromSlots):
//
//   RawEvent   Alloc/Free/Realloc       Mmap             Mremap          ThreadStart/Name
//   ts         merge key (see below)
//   ts2        Realloc: call returned   -                call returned   -
//   addr       new/only address         address          new address     name[0..8)
//   oldAddr    Realloc: old address     -                old address     name[8..16)
//   size       requested size           length           new length      tid (Start)
//   aux        Alloc: weight if sampled prot|flags<<32   old length      -
//   stack      StackId (0 = none)                                        Name: target index
//   thread     index of the recording thread (not stored: the ring's)
//   type, kind
//
// Why two slot sizes: malloc and free - almost every event - need only ts, addr, size and
// stack. At 64 bytes each event was a cache line that the writer's core had to fetch from the
// producer's; at 32 bytes two events share one, and a ring holds the same number of events
// in half the memory.
//
// ts, ts2 are event ticks (clock.h: TSC cycles or CLOCK_MONOTONIC ns).
// ts: allocations are stamped after the real call returned, releases before the real call
// (a free is even committed before the real free: once the block can be reused by another
// thread, its release is already visible). Realloc/mremap are stamped before the call (their
// release part) and keep the return time in ts2.
#pragma once

#include <cstdint>

#include "memtrace/format.h"

namespace memtrace::shim {

enum class EventType : uint8_t {
    Alloc,
    Free,
    Realloc,
    Mmap,
    Munmap,
    Mremap,
    ThreadStart,
    ThreadName,
    AllocationUnrecorded,  // sampling: this thread allocated a block not recorded (sampling_hooks.h)
};

struct RawEvent {
    uint64_t ts;
    uint64_t ts2;
    uint64_t addr;
    uint64_t oldAddr;
    uint64_t size;
    uint64_t aux;
    uint32_t stack;
    uint32_t thread;
    EventType type;
    format::AllocatorKind kind;
};

// A ring slot. The first slot of an event holds ts, addr, size, stack, type and kind; when
// span is 2 the next slot holds ts2, oldAddr and aux in its ts, addr and size.
struct alignas(32) RingSlot {
    uint64_t ts;
    uint64_t addr;
    uint64_t size;
    uint32_t stack;
    EventType type;
    format::AllocatorKind kind;
    uint8_t span;  // slots this event takes: 1 or 2
    uint8_t unused;
};
static_assert(sizeof(RingSlot) == 32);

inline constexpr uint32_t kMaxEventSlots = 2;

// Writes `ev` into slots[0] (and slots[1] if it needs it); returns the number of slots used.
inline uint32_t toSlots(const RawEvent& ev, RingSlot* slots)
{
    const uint8_t span = (ev.ts2 | ev.oldAddr | ev.aux) != 0 ? 2 : 1;
    slots[0] = RingSlot{.ts = ev.ts, .addr = ev.addr, .size = ev.size, .stack = ev.stack, .type = ev.type,
                        .kind = ev.kind, .span = span, .unused = 0};
    if (span == 2)
        slots[1] = RingSlot{.ts = ev.ts2, .addr = ev.oldAddr, .size = ev.aux, .stack = 0, .type = {}, .kind = {}, .span = 0,
                            .unused = 0};
    return span;
}

// The event whose first slot is slots[0] (slots[1] is read only if its span is 2).
inline RawEvent fromSlots(const RingSlot* slots, uint32_t thread)
{
    const RingSlot& head = slots[0];
    RawEvent ev{.ts = head.ts, .ts2 = 0, .addr = head.addr, .oldAddr = 0, .size = head.size, .aux = 0,
                .stack = head.stack, .thread = thread, .type = head.type, .kind = head.kind};
    if (head.span == 2) {
        ev.ts2 = slots[1].ts;
        ev.oldAddr = slots[1].addr;
        ev.aux = slots[1].size;
    }
    return ev;
}

inline constexpr size_t kThreadNameBytes = 16;  // TASK_COMM_LEN, NUL included

}  // namespace memtrace::shim
