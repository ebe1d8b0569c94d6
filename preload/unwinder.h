// Captures the calling thread's stack as return addresses, innermost first, with the shim's
// own frames removed.
//
// libunwind (default): unw_backtrace with a per-thread cache. The leading frames are dropped
// by address - every ip inside the shim's own text - rather than by a fixed count, which stays
// right whatever the compiler inlined.
// fp (MEMTRACE_UNWIND=fp): a walk of the rbp chain, checked against the thread's stack bounds.
#pragma once

#include <cstdint>

#include "config.h"

namespace memtrace::shim {

// Init: finds the shim's text range and sets libunwind's caching policy. Not hook-reachable.
void initUnwinder(UnwindMethod method, uint32_t maxDepth);

// Hook-reachable, called with the reentrancy guard set: no allocation of its own (libunwind's
// internal allocations go through the guard to the real allocator), no lock of ours.
// Unwinds into buffer (room for `capacity`), points *frames at the first frame below the shim
// (inside buffer: no copy on the hot path) and returns the count, at most maxDepth.
// stackLow/High: the thread's stack bounds for fp (0 = unknown).
uint32_t captureFrames(uint64_t* buffer, uint32_t capacity, uintptr_t stackLow, uintptr_t stackHigh,
                       const uint64_t** frames);

// True if ip lies in the unwinding library's code. libunwind maps its per-thread cache from
// inside our hooks (guarded, unrecorded) but unmaps it from its own pthread key destructor,
// outside any hook: the munmap hook drops calls made from there. Hook-reachable, no calls.
bool isUnwinderCode(uintptr_t ip);

// The stack bounds of the calling thread (pthread_getattr_np, which allocates: call it once
// per thread, under the guard). Both 0 if unknown.
void currentThreadStackBounds(uintptr_t& low, uintptr_t& high);

}  // namespace memtrace::shim
