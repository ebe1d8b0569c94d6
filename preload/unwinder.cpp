#include "unwinder.h"

#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

namespace memtrace::shim {
namespace {

// Linker-provided start of our own ELF image. Reading our program headers through it needs
// no libc call at all (dladdr/dl_iterate_phdr would take the loader lock).
extern "C" const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

constinit uintptr_t g_textLow = 0;
constinit uintptr_t g_textHigh = 0;
constinit uintptr_t g_unwinderLow = 0;
constinit uintptr_t g_unwinderHigh = 0;
constinit UnwindMethod g_method = UnwindMethod::Libunwind;
constinit uint32_t g_maxDepth = 128;
constexpr uint32_t kShimFrameAllowance = 32;  // frames of the shim itself above the caller

void findShimText()
{
    const auto* ehdr = &__ehdr_start;
    const auto base = reinterpret_cast<uintptr_t>(ehdr);
    const auto* phdr = reinterpret_cast<const ElfW(Phdr)*>(base + ehdr->e_phoff);
    // A shared object's first PT_LOAD maps file offset 0 at p_vaddr, so the load bias is
    // base - that p_vaddr (0 for every normally linked .so).
    uintptr_t bias = base;
    for (int i = 0; i < ehdr->e_phnum; ++i) {
        if (phdr[i].p_type == PT_LOAD && phdr[i].p_offset == 0) {
            bias = base - phdr[i].p_vaddr;
            break;
        }
    }
    for (int i = 0; i < ehdr->e_phnum; ++i) {
        if (phdr[i].p_type != PT_LOAD || !(phdr[i].p_flags & PF_X)) continue;
        const uintptr_t lo = bias + phdr[i].p_vaddr;
        const uintptr_t hi = lo + phdr[i].p_memsz;
        if (g_textLow == 0 || lo < g_textLow) g_textLow = lo;
        if (hi > g_textHigh) g_textHigh = hi;
    }
}

// Finds the executable range of the object that contains `target` (libunwind).
int findObjectText(dl_phdr_info* info, size_t, void* data)
{
    const auto target = *static_cast<uintptr_t*>(data);
    uintptr_t lo = 0, hi = 0;
    bool contains = false;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
        const uintptr_t a = info->dlpi_addr + ph.p_vaddr, b = a + ph.p_memsz;
        if (lo == 0 || a < lo) lo = a;
        if (b > hi) hi = b;
        contains = contains || (target >= a && target < b);
    }
    if (!contains) return 0;
    g_unwinderLow = lo;
    g_unwinderHigh = hi;
    return 1;
}

bool inShim(uint64_t ip) { return ip >= g_textLow && ip < g_textHigh; }

// The alternate signal stack when a walk starts off the thread's stack [low, high).
StackRange offThreadStack(uintptr_t start, uintptr_t low, uintptr_t high)
{
    return start >= low && start < high ? StackRange{} : alternateSignalStack();
}

// Its own frame is where the walk starts: the same address whenever the thread is at the same
// depth on the same path into the shim, which is what the memo's entries are keyed on.
__attribute__((noinline)) FrameWalk walkFramePointers(uint64_t* out, uint32_t capacity, uintptr_t low, uintptr_t high,
                                                      FrameWalkMemo* memo)
{
    const auto start = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    if (low == 0 || high == 0) {  // unknown bounds: accept a generous window above us
        low = start;
        high = start + (uintptr_t{64} << 20);
    }
    return walkFrames(start, out, capacity, low, high, memo, offThreadStack(start, low, high));
}

// The call-frame walk starts from this function's frame, which has a frame pointer (the
// shim is built with -fno-omit-frame-pointer); the same address whenever the thread comes
// here along the same path, which the memo is keyed on.
__attribute__((noinline)) CfiWalk walkCallFrames(uint64_t* out, uint32_t capacity, const UnwindScratch& scratch)
{
    const auto start = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    FrameRuleCache& rules = *scratch.rules;
    return walkCfi(start, out, capacity, scratch.stackLow, scratch.stackHigh,
                   [&](uintptr_t pc) -> const FrameRule& { return rules.lookup(pc); }, scratch.cfiMemo,
                   offThreadStack(start, scratch.stackLow, scratch.stackHigh));
}

}  // namespace

void initUnwinder(UnwindMethod method, uint32_t maxDepth)
{
    g_method = method;
    g_maxDepth = maxDepth;
    if (g_textHigh == 0) findShimText();
    if (method == UnwindMethod::Libunwind) {
        // libunwind's code range first: its initialisation, which the caching policy runs,
        // opens a pipe that the pipe2 hook recognises by its caller (hooks_fd.cpp).
        auto target = reinterpret_cast<uintptr_t>(&unw_backtrace);
        dl_iterate_phdr(findObjectText, &target);
        unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
    }
}

StackRange alternateSignalStack()
{
    stack_t current{};
    if (sigaltstack(nullptr, &current) != 0 || !(current.ss_flags & SS_ONSTACK)) return {};
    const auto low = reinterpret_cast<uintptr_t>(current.ss_sp);
    return {low, low + current.ss_size};
}

// Whether the stack this runs on has room for unw_backtrace below here: it needs ~7 KiB (its
// cursor and context, DWARF parsing), more than a signal handler on a SIGSTKSZ alternate
// stack or a PTHREAD_STACK_MIN thread may have left. Unknown bounds count as room.
bool roomForLibunwind(const UnwindScratch& scratch)
{
    constexpr uintptr_t kLibunwindStack = 16 << 10;
    const auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    uintptr_t low = 0;
    if (here >= scratch.stackLow && here < scratch.stackHigh) low = scratch.stackLow;
    else if (const StackRange alternate = alternateSignalStack(); alternate.holds(here)) low = alternate.low;
    return low == 0 || here - low >= kLibunwindStack;
}

bool isUnwinderCode(uintptr_t ip) { return ip >= g_unwinderLow && ip < g_unwinderHigh; }

CapturedFrames captureFrames(uint64_t* buffer, uint32_t capacity, const UnwindScratch& scratch)
{
    CapturedFrames captured;
    uint32_t want = g_maxDepth + kShimFrameAllowance;
    if (want > capacity) want = capacity;
    uint32_t n;
    if (g_method == UnwindMethod::FramePointer) {
        const FrameWalk walk = walkFramePointers(buffer, want, scratch.stackLow, scratch.stackHigh, scratch.fpMemo);
        if (walk.memoStackId != 0) {
            captured.memoStackId = walk.memoStackId;
            return captured;
        }
        n = walk.frames;
        captured.recording = walk.recording;
    } else if (const CfiWalk walk = scratch.rules && scratch.stackHigh != 0
                                        ? walkCallFrames(buffer, want, scratch)
                                        : CfiWalk{CfiWalk::Fallback};
               walk.outcome != CfiWalk::Fallback) {
        if (walk.outcome == CfiWalk::MemoHit) {
            captured.memoStackId = walk.memoStackId;
            return captured;
        }
        n = walk.frames;
        captured.cfiRecording = walk.recording;
    } else if (walk.frames != 0 && !roomForLibunwind(scratch)) {
        n = walk.frames;  // cut short at the frame the walker could not follow, rather than overflow
    } else {
        const int got = unw_backtrace(reinterpret_cast<void**>(buffer), static_cast<int>(want));
        n = got > 0 ? static_cast<uint32_t>(got) : 0;
    }
    uint32_t skip = 0;
    while (skip < n && inShim(buffer[skip])) ++skip;
    uint32_t depth = n - skip;
    if (depth > g_maxDepth) depth = g_maxDepth;
    captured.frames = buffer + skip;
    captured.depth = depth;
    return captured;
}

}  // namespace memtrace::shim
