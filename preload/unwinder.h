// Captures the calling thread's stack as return addresses, innermost first, with the shim's
// own frames removed.
//
// default: the call-frame rules of .eh_frame walked by cfi_walk.h, with a memo of walks;
// libunwind (unw_backtrace with a per-thread cache) for any stack that walk cannot follow. The leading frames are dropped
// by address - every ip inside the shim's own text - rather than by a fixed count, which stays
// right whatever the compiler inlined.
// fp (MEMTRACE_UNWIND=fp): a walk of the rbp chain, checked against the thread's stack bounds,
// skipped when the thread's memo shows the same walk unchanged (frame_walk.h).
#pragma once

#include <cstdint>

#include "config.h"
#include "cfi_walk.h"
#include "frame_walk.h"

namespace memtrace::shim {

// Init: finds the shim's text range and sets libunwind's caching policy. Not hook-reachable.
void initUnwinder(UnwindMethod method, uint32_t maxDepth);

struct CapturedFrames {
    const uint64_t* frames = nullptr;  // the first frame below the shim (inside the buffer)
    uint32_t depth = 0;                // at most maxDepth
    uint32_t memoStackId = 0;          // fp, a memo hit: the stack's id; frames/depth unset
    FrameWalkEntry* recording = nullptr;  // fp: completeWalk() it with the id of these frames
    CfiWalkEntry* cfiRecording = nullptr;  // default: completeWalk() it likewise
};

// The calling thread's unwinding state: its stack bounds (0 = unknown), and the memos and
// rule cache of the unwinder in use (nullptr: none). All owner-private.
struct UnwindScratch {
    uintptr_t stackLow = 0;
    uintptr_t stackHigh = 0;
    FrameWalkMemo* fpMemo = nullptr;
    CfiWalkMemo* cfiMemo = nullptr;
    FrameRuleCache* rules = nullptr;
};

// Hook-reachable, called with the reentrancy guard set: no allocation of its own (libunwind's
// internal allocations go through the guard to the real allocator), no lock of ours.
// Unwinds into buffer (room for `capacity`), with the shim's own frames left out.
// Default method: the call-frame walk (cfi_walk.h) when scratch.rules and the bounds are
// set, libunwind for the stacks it hands back; fp: the rbp chain (frame_walk.h).
CapturedFrames captureFrames(uint64_t* buffer, uint32_t capacity, const UnwindScratch& scratch);

// True if ip lies in the unwinding library's code. libunwind maps its per-thread cache from
// inside our hooks (guarded, unrecorded) but unmaps it from its own pthread key destructor,
// outside any hook: the munmap hook drops calls made from there. Hook-reachable, no calls.
bool isUnwinderCode(uintptr_t ip);


}  // namespace memtrace::shim
