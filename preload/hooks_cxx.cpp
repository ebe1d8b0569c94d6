// Every replaceable C++ operator new / delete. Each forwards to libstdc++'s own definition
// (dlsym of the mangled name), so new-handler loops and std::bad_alloc behave exactly as
// without the shim; the exception passes through HookScope, whose destructor clears the guard.
// libstdc++'s operator new calls malloc: the guard makes that inner call pass through, so one
// `new` is one record.
//
// If libstdc++ lacks a variant (old versions have no sized or aligned forms), the hook falls
// back to the nearest one that exists.
#include <cstdlib>
#include <new>

#include "bootstrap_arena.h"
#include "hook_support.h"
#include "real_functions.h"

using namespace memtrace::shim;

namespace {

using AlignFn = void* (*)(size_t, size_t);

void* fallbackNew(size_t size)
{
    void* p = real().malloc(size ? size : 1);
    if (!p) throw std::bad_alloc();
    return p;
}

void* fallbackNewAligned(size_t size, size_t alignment)
{
    void* p = nullptr;
    if (real().posix_memalign(&p, alignment < sizeof(void*) ? sizeof(void*) : alignment, size ? size : 1) != 0)
        throw std::bad_alloc();
    return p;
}

void* fallbackNewNothrow(size_t size) noexcept { return real().malloc(size ? size : 1); }

void* fallbackNewAlignedNothrow(size_t size, size_t alignment) noexcept
{
    void* p = nullptr;
    return real().posix_memalign(&p, alignment < sizeof(void*) ? sizeof(void*) : alignment, size ? size : 1) == 0
               ? p
               : nullptr;
}

void releaseWith(void (*fn)(void*), void* p)
{
    if (fn) fn(p);
    else real().free(p);
}

const void* nothrowTag() { return &std::nothrow; }

}  // namespace

// ---- new ----

#define MEMTRACE_NEW_HOOK(signature, field, kind, call, fallback)                   \
    MEMTRACE_EXPORT_CXX void* signature                                             \
    {                                                                               \
        RealFunctions& r = real();                                                  \
        HookScope scope;                                                            \
        auto forward = [&]() -> void* { return r.field ? call : fallback; };        \
        if (!scope.recording()) return forward();                                   \
        return tracedAlloc(AllocatorKind::kind, size, forward);                     \
    }

MEMTRACE_NEW_HOOK(operator new(size_t size), opNew, New, r.opNew(size), fallbackNew(size))
MEMTRACE_NEW_HOOK(operator new[](size_t size), opNewArray, NewArray, r.opNewArray(size), fallbackNew(size))
MEMTRACE_NEW_HOOK(operator new(size_t size, const std::nothrow_t&) noexcept, opNewNothrow, NewNothrow,
                  r.opNewNothrow(size, nothrowTag()), fallbackNewNothrow(size))
MEMTRACE_NEW_HOOK(operator new[](size_t size, const std::nothrow_t&) noexcept, opNewArrayNothrow,
                  NewArrayNothrow, r.opNewArrayNothrow(size, nothrowTag()), fallbackNewNothrow(size))
MEMTRACE_NEW_HOOK(operator new(size_t size, std::align_val_t al), opNewAligned, NewAligned,
                  r.opNewAligned(size, static_cast<size_t>(al)), fallbackNewAligned(size, static_cast<size_t>(al)))
MEMTRACE_NEW_HOOK(operator new[](size_t size, std::align_val_t al), opNewArrayAligned, NewArrayAligned,
                  r.opNewArrayAligned(size, static_cast<size_t>(al)),
                  fallbackNewAligned(size, static_cast<size_t>(al)))
MEMTRACE_NEW_HOOK(operator new(size_t size, std::align_val_t al, const std::nothrow_t&) noexcept,
                  opNewAlignedNothrow, NewAlignedNothrow,
                  r.opNewAlignedNothrow(size, static_cast<size_t>(al), nothrowTag()),
                  fallbackNewAlignedNothrow(size, static_cast<size_t>(al)))
MEMTRACE_NEW_HOOK(operator new[](size_t size, std::align_val_t al, const std::nothrow_t&) noexcept,
                  opNewArrayAlignedNothrow, NewArrayAlignedNothrow,
                  r.opNewArrayAlignedNothrow(size, static_cast<size_t>(al), nothrowTag()),
                  fallbackNewAlignedNothrow(size, static_cast<size_t>(al)))
#undef MEMTRACE_NEW_HOOK

// ---- delete ----

#define MEMTRACE_DELETE_HOOK(signature, field, kind, call, fallback)                \
    MEMTRACE_EXPORT_CXX void signature noexcept                                     \
    {                                                                               \
        if (!p || bootstrap::owns(p)) return;                                       \
        RealFunctions& r = real();                                                  \
        HookScope scope;                                                            \
        auto forward = [&] {                                                        \
            if (r.field) call;                                                      \
            else fallback;                                                          \
        };                                                                          \
        if (!scope.recording()) return forward();                                   \
        tracedFree(AllocatorKind::kind, p, forward);                                \
    }

MEMTRACE_DELETE_HOOK(operator delete(void* p), opDelete, Delete, r.opDelete(p), real().free(p))
MEMTRACE_DELETE_HOOK(operator delete[](void* p), opDeleteArray, DeleteArray, r.opDeleteArray(p), real().free(p))
MEMTRACE_DELETE_HOOK(operator delete(void* p, size_t size), opDeleteSized, DeleteSized, r.opDeleteSized(p, size),
                     releaseWith(r.opDelete, p))
MEMTRACE_DELETE_HOOK(operator delete[](void* p, size_t size), opDeleteArraySized, DeleteArraySized,
                     r.opDeleteArraySized(p, size), releaseWith(r.opDeleteArray, p))
MEMTRACE_DELETE_HOOK(operator delete(void* p, std::align_val_t al), opDeleteAligned, DeleteAligned,
                     r.opDeleteAligned(p, static_cast<size_t>(al)), real().free(p))
MEMTRACE_DELETE_HOOK(operator delete[](void* p, std::align_val_t al), opDeleteArrayAligned, DeleteArrayAligned,
                     r.opDeleteArrayAligned(p, static_cast<size_t>(al)), real().free(p))
MEMTRACE_DELETE_HOOK(operator delete(void* p, size_t size, std::align_val_t al), opDeleteSizedAligned,
                     DeleteSizedAligned, r.opDeleteSizedAligned(p, size, static_cast<size_t>(al)), real().free(p))
MEMTRACE_DELETE_HOOK(operator delete[](void* p, size_t size, std::align_val_t al), opDeleteArraySizedAligned,
                     DeleteArraySizedAligned, r.opDeleteArraySizedAligned(p, size, static_cast<size_t>(al)),
                     real().free(p))
MEMTRACE_DELETE_HOOK(operator delete(void* p, const std::nothrow_t&), opDeleteNothrow, Delete,
                     r.opDeleteNothrow(p, nothrowTag()), real().free(p))
MEMTRACE_DELETE_HOOK(operator delete[](void* p, const std::nothrow_t&), opDeleteArrayNothrow, DeleteArray,
                     r.opDeleteArrayNothrow(p, nothrowTag()), real().free(p))
MEMTRACE_DELETE_HOOK(operator delete(void* p, std::align_val_t al, const std::nothrow_t&), opDeleteAlignedNothrow,
                     DeleteAligned, r.opDeleteAlignedNothrow(p, static_cast<size_t>(al), nothrowTag()),
                     real().free(p))
MEMTRACE_DELETE_HOOK(operator delete[](void* p, std::align_val_t al, const std::nothrow_t&),
                     opDeleteArrayAlignedNothrow, DeleteArrayAligned,
                     r.opDeleteArrayAlignedNothrow(p, static_cast<size_t>(al), nothrowTag()), real().free(p))
#undef MEMTRACE_DELETE_HOOK
