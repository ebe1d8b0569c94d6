// The C allocation functions: malloc, calloc, realloc, reallocarray, free, posix_memalign,
// aligned_alloc, memalign, valloc, pvalloc, and C23 free_sized / free_aligned_sized.
//
// Every hook first makes sure the real functions are resolved (real()), then decides whether
// to record (HookScope). Before resolution completes, allocations come from the bootstrap
// arena and frees of arena blocks are ignored.
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

#include <cstring>

#include "bootstrap_arena.h"
#include "hook_support.h"
#include "real_functions.h"

using namespace memtrace::shim;

namespace {

void* realMalloc(size_t size)
{
    RealFunctions& r = real();
    return r.malloc ? r.malloc(size) : bootstrap::allocate(size);
}

void* realCalloc(size_t n, size_t m)
{
    RealFunctions& r = real();
    if (r.calloc) return r.calloc(n, m);
    size_t total;
    return multiplyOverflows(n, m, total) ? nullptr : bootstrap::allocate(total);
}

void realFree(void* p)
{
    if (RealFunctions& r = real(); r.free) r.free(p);
}

// realloc of a bootstrap block: copy it out into a real block (the arena block is abandoned).
void* reallocFromArena(void* old, size_t size)
{
    void* p = realMalloc(size);
    if (p) {
        const size_t had = bootstrap::sizeOf(old);
        std::memcpy(p, old, had < size ? had : size);
    }
    return p;
}

}  // namespace

MEMTRACE_EXPORT void* malloc(size_t size) noexcept
{
    real();
    HookScope scope;
    if (!scope.recording()) return realMalloc(size);
    return tracedAlloc(AllocatorKind::Malloc, size, [&] { return real().malloc(size); });
}

MEMTRACE_EXPORT void* calloc(size_t n, size_t m) noexcept
{
    real();
    HookScope scope;
    if (!scope.recording()) return realCalloc(n, m);
    size_t total = 0;
    multiplyOverflows(n, m, total);  // on overflow the real calloc fails and nothing is recorded
    return tracedAlloc(AllocatorKind::Calloc, total, [&] { return real().calloc(n, m); });
}

MEMTRACE_EXPORT void free(void* p) noexcept
{
    if (!p || bootstrap::owns(p)) return;
    real();
    HookScope scope;
    if (!scope.recording()) return realFree(p);
    tracedFree(AllocatorKind::Free, p, [&] { real().free(p); });
}

MEMTRACE_EXPORT void* realloc(void* old, size_t size) noexcept
{
    if (old && bootstrap::owns(old)) return reallocFromArena(old, size);
    real();
    HookScope scope;
    if (!scope.recording()) {
        RealFunctions& r = real();
        return r.realloc ? r.realloc(old, size) : (old ? nullptr : bootstrap::allocate(size));
    }
    return tracedRealloc(AllocatorKind::Realloc, old, size, size == 0, [&] { return real().realloc(old, size); });
}

MEMTRACE_EXPORT void* reallocarray(void* old, size_t n, size_t m) noexcept
{
    size_t total;
    if (multiplyOverflows(n, m, total)) {
        errno = ENOMEM;
        return nullptr;
    }
    if (old && bootstrap::owns(old)) return reallocFromArena(old, total);
    RealFunctions& r = real();
    HookScope scope;
    // glibc < 2.26 has no reallocarray: realloc with the checked product is equivalent.
    auto call = [&] { return r.reallocarray ? r.reallocarray(old, n, m) : r.realloc(old, total); };
    if (!scope.recording()) return call();
    return tracedRealloc(AllocatorKind::Reallocarray, old, total, total == 0, call);
}

MEMTRACE_EXPORT int posix_memalign(void** out, size_t alignment, size_t size) noexcept
{
    RealFunctions& r = real();
    HookScope scope;
    if (!r.posix_memalign) {
        void* p = bootstrap::allocate(size, alignment);
        if (!p) return ENOMEM;
        *out = p;
        return 0;
    }
    if (!scope.recording()) return r.posix_memalign(out, alignment, size);
    int rc = 0;
    tracedAlloc(AllocatorKind::PosixMemalign, size, [&]() -> void* {
        rc = r.posix_memalign(out, alignment, size);
        return rc == 0 ? *out : nullptr;
    });
    return rc;
}

#define MEMTRACE_ALIGNED_HOOK(name, kind, params, args, bootstrapCall)                  \
    MEMTRACE_EXPORT void* name params noexcept                                          \
    {                                                                                   \
        RealFunctions& r = real();                                                      \
        HookScope scope;                                                                \
        if (!r.name) return bootstrapCall;                                              \
        if (!scope.recording()) return r.name args;                                     \
        return tracedAlloc(AllocatorKind::kind, size, [&] { return r.name args; });     \
    }

MEMTRACE_ALIGNED_HOOK(aligned_alloc, AlignedAlloc, (size_t alignment, size_t size), (alignment, size),
                      bootstrap::allocate(size, alignment))
MEMTRACE_ALIGNED_HOOK(memalign, Memalign, (size_t alignment, size_t size), (alignment, size),
                      bootstrap::allocate(size, alignment))
MEMTRACE_ALIGNED_HOOK(valloc, Valloc, (size_t size), (size), bootstrap::allocate(size, 4096))
// pvalloc is obsolete; a libc without it gets the page-rounded memalign it stands for.
MEMTRACE_ALIGNED_HOOK(pvalloc, Pvalloc, (size_t size), (size),
                      r.memalign ? r.memalign(4096, (size + 4095) & ~size_t{4095}) : bootstrap::allocate(size, 4096))
#undef MEMTRACE_ALIGNED_HOOK

// C23. glibc 2.36 has neither; a libc that lacks them gets plain free.
MEMTRACE_EXPORT void free_sized(void* p, size_t size) noexcept
{
    if (!p || bootstrap::owns(p)) return;
    RealFunctions& r = real();
    HookScope scope;
    auto call = [&] {
        if (r.free_sized) r.free_sized(p, size);
        else if (r.free) r.free(p);
    };
    if (!scope.recording()) return call();
    tracedFree(AllocatorKind::FreeSized, p, call);
}

MEMTRACE_EXPORT void free_aligned_sized(void* p, size_t alignment, size_t size) noexcept
{
    if (!p || bootstrap::owns(p)) return;
    RealFunctions& r = real();
    HookScope scope;
    auto call = [&] {
        if (r.free_aligned_sized) r.free_aligned_sized(p, alignment, size);
        else if (r.free) r.free(p);
    };
    if (!scope.recording()) return call();
    tracedFree(AllocatorKind::FreeAlignedSized, p, call);
}
