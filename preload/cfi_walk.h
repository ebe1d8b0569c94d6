// The default unwinder's walk: DWARF call-frame rules (cfi_rules.h) applied frame by frame,
// with a per-thread memo like the frame-pointer walk's (frame_walk.h), and libunwind
// (unw_backtrace) for every stack this walk does not fully understand.
//
// A frame: pc is a return address; the rules at pc - 1 (inside the call) give the CFA (the
// caller's stack pointer) as rsp or rbp plus an offset, the return address at CFA + offset and
// where rbp was saved, if it was. The walk starts from the walker's own frame, which has a
// frame pointer: [fp] is the caller's rbp, [fp + 8] its return address, fp + 16 its rsp.
//
// Its result is a function of the start frame, the thread's stack bounds, the rules (fixed for
// loaded code; the caches are dropped when code is unloaded) and the words it reads: the two
// at the start and, per frame, the return address and the saved rbp. The memo keeps each of
// those words that decided something (a saved rbp only if a CFA was computed from it) with its
// address; a later walk from the same frame whose words all still hold
// their values is the same stack, and returns the id it was interned as.
//
// Every word read is inside the thread's stack bounds, checked before the read; the memo's
// check reads only addresses an earlier walk checked the same way.
//
// A signal frame (the trampoline glibc's handlers return to, FrameRule::SignalFrame): the
// kernel's ucontext lies at the CFA of the handler's frame; the walk goes on from the rbp, rsp
// and rip saved there. rip is the interrupted instruction itself, not a return address, so its
// rules are those at rip, not at rip - 1. A handler on an alternate signal stack (sigaltstack)
// starts the walk on that stack and crosses to the thread's with the saved rsp. Why walk these
// here rather than in libunwind: unw_backtrace needs ~7 KiB of stack, and a SIGSTKSZ
// alternate stack of a handler that allocates has less than that to spare. Walks that started
// on the alternate stack or crossed a signal frame are not memoized: the memo's check reads
// its words again later, and an alternate stack may be freed by then.
//
// Owner-private (lives in the thread's ring), hook-reachable: no allocation, no lock.
#pragma once

#include <sys/ucontext.h>

#include <cstddef>
#include <cstdint>

#include "cfi_rules.h"
#include "stack_range.h"
#include "walk_memo.h"

namespace memtrace::shim {

struct CfiWalkEntry {
    static constexpr uint32_t kMaxWords = 96;  // walks reading more are not memoized
    // No initializers (walk_memo.h).
    uintptr_t start;   // 0: empty
    uint32_t words;    // how many (address, value) pairs the walk read
    uint32_t stackId;  // what the walk's frames were interned as; 0: not complete
    uintptr_t address[kMaxWords];
    uintptr_t value[kMaxWords];
};

using CfiWalkMemo = WalkMemo<CfiWalkEntry>;  // ~100 KiB, touched only by this unwinder

// Where the kernel saved the interrupted rbp, rsp and rip: offsets into the ucontext_t that
// follows the handler's return address on the stack.
inline constexpr uintptr_t kUcontextRbp = offsetof(ucontext_t, uc_mcontext.gregs) + REG_RBP * sizeof(greg_t);
inline constexpr uintptr_t kUcontextRsp = offsetof(ucontext_t, uc_mcontext.gregs) + REG_RSP * sizeof(greg_t);
inline constexpr uintptr_t kUcontextRip = offsetof(ucontext_t, uc_mcontext.gregs) + REG_RIP * sizeof(greg_t);
static_assert(kUcontextRbp == 120 && kUcontextRsp == 160 && kUcontextRip == 168, "the x86-64 Linux signal frame");

struct CfiWalk {
    enum Outcome : uint8_t { Frames, MemoHit, Fallback };
    Outcome outcome = Frames;
    uint32_t frames = 0;       // return addresses written to `out` (Frames)
    uint32_t memoStackId = 0;  // MemoHit
    CfiWalkEntry* recording = nullptr;
};

inline bool cfiWalkUnchanged(const CfiWalkEntry& e)
{
    auto differs = [&](uint32_t i) { return *reinterpret_cast<const uintptr_t*>(e.address[i]) ^ e.value[i]; };
    // Four independent loads per step, one branch: most checks are hits, read to the end.
    uint32_t i = 0;
    for (; i + 4 <= e.words; i += 4)
        if ((differs(i) | differs(i + 1) | differs(i + 2) | differs(i + 3)) != 0) return false;
    for (; i < e.words; ++i)
        if (differs(i) != 0) return false;
    return true;
}

// Walks from the frame-pointer frame `fp` within the thread's stack [low, high), or from the
// alternate signal stack `alternate` when fp is on it. `rules(pc)` returns the FrameRule at pc
// (FrameRuleCache::lookup). Fallback: a rule this walk cannot apply; `frames` of `out` are
// the frames up to it, a stack cut short.
template <typename Rules>
inline CfiWalk walkCfi(uintptr_t fp, uint64_t* out, uint32_t capacity, uintptr_t low, uintptr_t high, Rules&& rules,
                       CfiWalkMemo* memo, StackRange alternate = {})
{
    CfiWalk result;
    const StackRange thread{low, high};
    StackRange stack = thread;  // the stack the walk is on
    if (!thread.holds(fp) && alternate.holds(fp)) {
        stack = alternate;
        memo = nullptr;
    }
    CfiWalkEntry* rec = nullptr;
    if (memo) {
        result.memoStackId = memo->lookup(fp, cfiWalkUnchanged, &rec);
        if (result.memoStackId != 0) {
            result.outcome = CfiWalk::MemoHit;
            return result;
        }
    }
    uint32_t words = 0;
    auto keep = [&](uintptr_t address, uintptr_t value) {
        if (!rec) return;
        if (words == CfiWalkEntry::kMaxWords) {
            rec = nullptr;  // too long to memoize
            return;
        }
        rec->address[words] = address;
        rec->value[words] = value;
        ++words;
    };
    auto read = [](uintptr_t address) { return *reinterpret_cast<const uintptr_t*>(address); };
    auto inStack = [&](uintptr_t address) { return stack.holds(address); };
    if (!inStack(fp) || !inStack(fp + 8)) {
        result.outcome = CfiWalk::Fallback;
        return result;
    }
    // rbp's value matters only to a frame whose CFA is rbp-based, and code without frame
    // pointers uses rbp as an ordinary register (a loop counter, a pointer): the word it was
    // read from is kept in the memo only when a CFA used it, so that a changing value that
    // nothing used does not make every later walk a miss.
    uintptr_t rbp = read(fp);
    uintptr_t rbpFrom = fp;  // where rbp was read; 0 once kept
    uintptr_t pc = read(fp + 8);
    keep(fp + 8, pc);
    uintptr_t sp = fp + 16;
    bool interrupted = false;  // pc is where a signal interrupted the code, not a return address
    uint32_t n = 0;
    while (pc != 0 && n < capacity) {
        out[n++] = pc;
        const FrameRule& rule = rules(interrupted ? pc : pc - 1);
        interrupted = false;
        if (rule.kind == FrameRule::Outermost) break;
        if (rule.kind == FrameRule::SignalFrame) {
            const uintptr_t context = sp;  // the ucontext, right after the handler's return address
            if (!inStack(context + kUcontextRbp) || !inStack(context + kUcontextRip)) break;
            rec = nullptr;
            rbp = read(context + kUcontextRbp);
            rbpFrom = 0;
            sp = read(context + kUcontextRsp);
            pc = read(context + kUcontextRip);
            // The interrupted code ran on the thread's stack, or on the alternate one (a signal
            // taken inside a handler already there).
            if (thread.holds(sp)) stack = thread;
            else if (alternate.holds(sp)) stack = alternate;
            else break;
            interrupted = true;
            continue;
        }
        if (rule.kind != FrameRule::Normal) {
            result.outcome = CfiWalk::Fallback;
            result.frames = n;  // the frames up to the one it cannot follow (captureFrames may keep them)
            return result;
        }
        if (rule.cfaFromRbp && rbpFrom != 0) {
            keep(rbpFrom, rbp);
            rbpFrom = 0;
        }
        const uintptr_t cfa = (rule.cfaFromRbp ? rbp : sp) + static_cast<intptr_t>(rule.cfaOffset);
        const uintptr_t raAt = cfa + static_cast<intptr_t>(rule.raOffset);
        const uintptr_t rbpAt = cfa + static_cast<intptr_t>(rule.rbpOffset);
        // The stack grows down: the caller's frame is above this one.
        if (cfa <= sp || !inStack(raAt) || (rule.rbpSaved && !inStack(rbpAt))) break;
        if (rule.rbpSaved) {
            rbp = read(rbpAt);
            rbpFrom = rbpAt;
        }
        pc = read(raAt);
        keep(raAt, pc);
        sp = cfa;
    }
    if (rec) {
        rec->words = words;
        rec->start = fp;
    }
    result.frames = n;
    result.recording = rec;
    return result;
}

}  // namespace memtrace::shim
