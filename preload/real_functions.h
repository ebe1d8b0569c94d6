// The real (next) implementation of every hooked function, resolved with dlsym(RTLD_NEXT)
// from the table in hooks_table.h.
//
// Resolution happens on the first hook call (or at load, whichever is first). dlsym itself may
// call malloc/calloc before the pointers are known: those calls are served by the bootstrap
// arena (bootstrap_arena.h), which is why every allocation hook checks its pointer for null.
#pragma once

#include <atomic>

#include "hooks_table.h"
#include "memtrace/reuse_stacks.h"

namespace memtrace::shim {

struct RealFunctions {
#define MEMTRACE_REAL_FIELD(field, symbol, ret, params, req) ret(*field) params;
    MEMTRACE_ALL_HOOKS(MEMTRACE_REAL_FIELD)
#undef MEMTRACE_REAL_FIELD
};

extern constinit RealFunctions g_real;
extern constinit std::atomic<int> g_realResolved;  // 0 no, 1 in progress, 2 done

// Resolves every pointer once; a concurrent or recursive caller returns at once and sees the
// pointers resolved so far (the null ones fall back to the bootstrap arena).
// May call dlsym (which may allocate, served by the arena); takes no lock of ours.
void resolveRealFunctions();

// Optional symbols that are missing leave a malloc'ed error message behind, which the
// program's next dlerror() would return and free. Consumed under the guard - but only by the
// shim's constructor: dlerror() translates the message, which takes the setlocale lock, and
// resolution may run inside newlocale (shim_state.cpp, finishStartUp).
void consumeResolutionErrors();

// True if every Required function was found (checked after resolution).
bool allRequiredFound();

// The size classes of the allocator the real malloc belongs to (reuse_stacks.h): glibc's or
// jemalloc's by the library that defines it, exact sizes for any other. After resolution.
format::SizeClasses realMallocSizeClasses();

// One real function, or null while resolution has not completed; never resolves. For the
// hooks an allocator calls from inside itself (mmap and friends, close): dlsym allocates, and
// an allocator of the program's own (an executable that defines malloc, as Chromium does) may
// hold its lock across that mmap, so resolving there would re-enter it and deadlock. Their
// callers fall back to the system call.
template <class Fn>
inline Fn resolvedOrNull(Fn RealFunctions::*field)
{
    return g_realResolved.load(std::memory_order_acquire) == 2 ? g_real.*field : nullptr;
}

inline RealFunctions& real()
{
    if (__builtin_expect(g_realResolved.load(std::memory_order_acquire) != 2, 0)) resolveRealFunctions();
    return g_real;
}

}  // namespace memtrace::shim
