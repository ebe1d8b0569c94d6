// The DWARF call-frame rules of the default unwinder (preload/cfi_walk.h): for a code address,
// where the caller's frame is and where the return address and rbp were saved, read from the
// loaded module's .eh_frame_hdr / .eh_frame - the same tables libunwind reads.
//
// Only the rules an x86-64 walk needs are kept: the CFA as rsp or rbp plus an offset, the
// return address at CFA + offset, rbp unchanged or at CFA + offset; and the signal trampoline
// (an FDE whose CIE says 'S', covering the x86-64 rt_sigreturn instructions, as libunwind
// recognises it), whose registers the walker reads from the kernel's signal frame. Anything
// else (a CFA given by an expression, as in PLT stubs and stack-realigning functions; a
// register rule for rbp or the return address that is not "saved at CFA + offset") makes the
// rule Unsupported, and the walker hands the whole stack to libunwind. So this code never has
// to be right about the rare cases: only about the common ones, which the tests compare with
// libunwind.
//
// Why our own reading of the tables and not libunwind's: libunwind does not say which stack
// words a walk read, and the memo (cfi_walk.h) needs exactly that to skip walks whose words
// did not change - that is where the default unwinder's time went (42% of alloc_bench's
// samples were inside libunwind).
//
// Hook-reachable: no allocation, no lock of ours. A rule-cache miss calls dl_iterate_phdr
// (the loader's lock, recursive), as libunwind itself does on its cache misses.
#pragma once

#include <atomic>
#include <cstdint>

namespace memtrace::shim {

struct FrameRule {
    enum Kind : uint8_t {
        Empty = 0,        // cache slot unused
        Normal,           // the fields below apply
        Outermost,        // the return address is undefined: the stack's first frame
        Unsupported,      // no FDE covers the address, or the rules are beyond this reader
        SignalFrame,      // the signal trampoline: the interrupted registers are in the kernel's
                          // ucontext, which starts at the CFA of the frame before it
    };
    uint8_t kind = Empty;
    bool cfaFromRbp = false;  // CFA = (rbp or rsp) + cfaOffset
    bool rbpSaved = false;    // rbp at CFA + rbpOffset; else rbp unchanged
    int32_t cfaOffset = 0;
    int32_t raOffset = 0;     // the return address at CFA + raOffset
    int32_t rbpOffset = 0;
};

// Counts dlclose calls that returned: a thread whose caches saw fewer drops them (rules and
// memo entries may describe code that is gone).
extern constinit std::atomic<uint32_t> g_codeUnloads;

// The rules in effect at `pc` (for a caller's frame: the return address - 1, inside the call).
FrameRule findFrameRule(uintptr_t pc);

// Parses one FDE's rules at `pc` from .eh_frame_hdr at `hdr` (exposed for tests).
FrameRule frameRuleFromEhFrameHdr(const uint8_t* hdr, uintptr_t pc);

// A per-thread direct-mapped cache of rules by address. Lives in the thread's ring mapping
// (zero pages: Empty) and is only touched by the default unwinder.
struct FrameRuleCache {
    static constexpr uint32_t kSlots = 1024;
    struct Slot {
        uintptr_t pc;
        FrameRule rule;
    };
    Slot slots[kSlots];

    const FrameRule& lookup(uintptr_t pc)
    {
        Slot& s = slots[(pc * 0x9e3779b97f4a7c15ull) >> 54];
        if (s.rule.kind == FrameRule::Empty || s.pc != pc) [[unlikely]] {
            s.rule = findFrameRule(pc);
            s.pc = pc;
        }
        return s.rule;
    }
    void clear()
    {
        for (Slot& s : slots) s.rule.kind = FrameRule::Empty;
    }
};
static_assert(FrameRuleCache::kSlots == 1024, "lookup keeps the top 10 bits");

}  // namespace memtrace::shim
