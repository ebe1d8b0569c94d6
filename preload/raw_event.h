// One event as a hook leaves it in its thread's ring: fixed size, no pointers to chase, no
// encoding work on the hot path. The writer thread turns it into a capture record.
//
//   offset  field      Alloc/Free/Realloc       Mmap             Mremap          ThreadStart/Name
//   0       ts         merge key (see below)
//   8       ts2        Realloc: call returned   -                call returned   -
//   16      addr       new/only address         address          new address     name[0..8)
//   24      oldAddr    Realloc: old address     -                old address     name[8..16)
//   32      size       requested size           length           new length      tid (Start)
//   40      aux        Alloc: weight if sampled prot|flags<<32   old length      -
//   48      stack      StackId (0 = none)                                        Name: target index
//   52      thread     index of the recording thread
//   56      type, kind
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
};

struct alignas(64) RawEvent {
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
static_assert(sizeof(RawEvent) == 64);

inline constexpr size_t kThreadNameBytes = 16;  // TASK_COMM_LEN, NUL included

}  // namespace memtrace::shim
