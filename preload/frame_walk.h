// The frame-pointer walk (MEMTRACE_UNWIND=fp), and a per-thread memo that lets a walk the
// thread already did skip the rbp chain, the stack's hash and the stack table's exact check.
//
// The walk follows the chain from a start frame: a frame holds the caller's frame address at
// [fp] (the link) and a return address at [fp + 8]. Its result is a pure function of the start
// address, the stack bounds and the words it reads. So when a walk starts at the same address
// as an earlier walk of the same thread (same bounds) and every word that walk read holds the
// value it read then, the result is the same stack - whatever ran in between. The memo keeps
// those words for each visited frame; checking them is a pass of independent loads (the
// addresses come from the memo), where the walk is a chain of dependent ones, and a hit hands
// back the stack id the earlier walk was interned as. Any changed word is a miss: the walk
// runs and is recorded over the older entry of its set.
//
// The check's loads are as safe as the walk's own: it reads the words the walk would read now,
// in the same order, and stops at the first that differs. (Frame i's address is frame i-1's
// link, checked equal to the recorded one before frame i is read; the recorded addresses
// passed the same bounds check, the bounds being the same thread's.)
//
// Owner-private (lives in the thread's ring), hook-reachable: no allocation, no lock, no call.
#pragma once

#include <cstdint>

#include "stack_range.h"
#include "walk_memo.h"

namespace memtrace::shim {

struct FrameWalkEntry {
    static constexpr uint32_t kMaxFrames = 64;  // walks visiting more frames are not memoized

    // No initializers: the memo lives in the ring's zero-filled mapping, whose pages stay
    // untouched unless fp walks use them (zero = empty).
    uintptr_t start;   // 0: empty
    uint32_t visited;  // frames the walk read
    uint32_t stackId;  // what the walk's frames were interned as; 0: not complete
    // The two words of each visited frame as the walk read them, [link, return address], in
    // the frame's own layout, so the check compares a frame with one pair. (Where the return
    // address was 0 the walk stops without needing the link; it is read and kept anyway: a
    // change of it only costs a walk.)
    uintptr_t words[2 * kMaxFrames];
};

using FrameWalkMemo = WalkMemo<FrameWalkEntry>;  // ~66 KiB, touched only with fp

struct FrameWalk {
    uint32_t frames = 0;                  // return addresses written to `out` (0 on a hit)
    uint32_t memoStackId = 0;             // nonzero: a memo hit; `out` is untouched
    FrameWalkEntry* recording = nullptr;  // where the walk was recorded; completeWalk() with its id
};

// Whether the recorded walk `e` (from e.start) would read exactly the same words now.
inline bool walkUnchanged(const FrameWalkEntry& e)
{
    uintptr_t fp = e.start;
    for (uint32_t i = 0; i < e.visited; ++i) {
        const auto* frame = reinterpret_cast<const uintptr_t*>(fp);
        const uintptr_t* recorded = &e.words[2 * i];
        if (((frame[0] ^ recorded[0]) | (frame[1] ^ recorded[1])) != 0) return false;
        fp = recorded[0];
    }
    return true;
}

// Walks from `start` within the thread's stack [low, high): the return addresses, innermost
// first, at most `capacity`. With a memo, a walk unchanged since it was recorded returns its
// stack id instead. A walk that starts on the alternate signal stack `alternate` (a handler's)
// follows the chain there, then onto the thread's stack, where the handler's first frame links
// to the interrupted code's rbp; such walks are not memoized (the alternate stack may be freed
// before the memo's check would read its words again).
inline FrameWalk walkFrames(uintptr_t start, uint64_t* out, uint32_t capacity, uintptr_t low, uintptr_t high,
                            FrameWalkMemo* memo, StackRange alternate = {})
{
    FrameWalk result;
    const StackRange thread{low, high};
    StackRange stack = thread;
    bool onAlternate = false;
    if (!thread.holds(start, 2 * sizeof(uintptr_t)) && alternate.holds(start, 2 * sizeof(uintptr_t))) {
        stack = alternate;
        onAlternate = true;
        memo = nullptr;
    }
    FrameWalkEntry* rec = nullptr;
    if (memo) {
        result.memoStackId = memo->lookup(start, walkUnchanged, &rec);
        if (result.memoStackId != 0) return result;
    }
    uintptr_t fp = start;
    uint32_t n = 0;
    uint32_t visited = 0;
    while (n < capacity) {
        if (!stack.holds(fp, 2 * sizeof(uintptr_t))) {
            if (!onAlternate || !thread.holds(fp, 2 * sizeof(uintptr_t))) break;
            stack = thread;  // from the handler's frames on to the interrupted code's
            onAlternate = false;
        }
        const auto* frame = reinterpret_cast<const uintptr_t*>(fp);
        const uintptr_t ret = frame[1];
        const uintptr_t next = frame[0];  // within the bounds checked above
        if (rec && visited == FrameWalkEntry::kMaxFrames) rec = nullptr;  // too deep to memoize
        if (rec) {
            rec->words[2 * visited] = next;
            rec->words[2 * visited + 1] = ret;
        }
        ++visited;
        if (ret == 0) break;
        out[n++] = ret;
        // The chain must move towards the stack's base, except where it leaves the alternate
        // stack (the thread's may lie below it).
        if (next <= fp && !(onAlternate && !stack.holds(next, 2 * sizeof(uintptr_t)))) break;
        fp = next;
    }
    if (rec) {
        rec->visited = visited;
        rec->start = start;
    }
    result.frames = n;
    result.recording = rec;
    return result;
}


}  // namespace memtrace::shim
