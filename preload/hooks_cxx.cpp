// Every replaceable C++ operator new / delete. Each forwards to libstdc++'s own definition
// (dlsym of the mangled name), so new-handler loops and std::bad_alloc behave as without the
// shim.
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

// The shim is built without exceptions and does not link libstdc++ (a C program must not get
// libstdc++ and its start-up allocations loaded by the shim). std::bad_alloc is thrown by
// libstdc++'s own std::__throw_bad_alloc, which exists whenever a program calls operator new
// (the program links libstdc++). The exception passes through our frames, which have unwind
// tables and nothing to clean up at that point.
[[noreturn]] void throwBadAlloc()
{
    if (auto thrower = real().throwBadAlloc) thrower();
    __builtin_trap();  // unreachable: operator new without libstdc++ in the process
}

const std::nothrow_t kNothrowTag{};

void* fallbackNew(size_t size)
{
    void* p = real().malloc(size ? size : 1);
    if (!p) throwBadAlloc();
    return p;
}

void* fallbackNewAligned(size_t size, size_t alignment)
{
    void* p = nullptr;
    if (real().posix_memalign(&p, alignment < sizeof(void*) ? sizeof(void*) : alignment, size ? size : 1) != 0)
        throwBadAlloc();
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

const void* nothrowTag() { return &kNothrowTag; }

}  // namespace

// ---- new ----
//
// A throwing new that is recorded calls libstdc++'s nothrow variant (same new-handler loop) and
// throws std::bad_alloc itself, after HookScope released the guard. Thrown from inside the
// guarded call, the exception object would be allocated unrecorded and then freed, recorded,
// by the program's catch block.

#define MEMTRACE_THROWING_NEW_HOOK(signature, kind, throwingCall, nothrowCall) \
    MEMTRACE_EXPORT_CXX void* signature                                         \
    {                                                                           \
        RealFunctions& r = real();                                              \
        void* p;                                                                \
        {                                                                       \
            HookScope scope;                                                    \
            if (!scope.recording()) return throwingCall;                        \
            p = tracedAlloc(AllocatorKind::kind, size, [&]() -> void* { return nothrowCall; }); \
        }                                                                       \
        if (!p) throwBadAlloc();                                         \
        return p;                                                               \
    }

#define MEMTRACE_NOTHROW_NEW_HOOK(signature, kind, nothrowCall)                 \
    MEMTRACE_EXPORT_CXX void* signature noexcept                                \
    {                                                                           \
        RealFunctions& r = real();                                              \
        HookScope scope;                                                        \
        auto forward = [&]() -> void* { return nothrowCall; };                  \
        if (!scope.recording()) return forward();                               \
        return tracedAlloc(AllocatorKind::kind, size, forward);                 \
    }

#define MEMTRACE_ALIGN static_cast<size_t>(al)
#define MEMTRACE_NOTHROW_PLAIN(field) (r.field ? r.field(size, nothrowTag()) : fallbackNewNothrow(size))
#define MEMTRACE_NOTHROW_ALIGNED(field) \
    (r.field ? r.field(size, MEMTRACE_ALIGN, nothrowTag()) : fallbackNewAlignedNothrow(size, MEMTRACE_ALIGN))

MEMTRACE_THROWING_NEW_HOOK(operator new(size_t size), New, r.opNew ? r.opNew(size) : fallbackNew(size),
                           MEMTRACE_NOTHROW_PLAIN(opNewNothrow))
MEMTRACE_THROWING_NEW_HOOK(operator new[](size_t size), NewArray,
                           r.opNewArray ? r.opNewArray(size) : fallbackNew(size),
                           MEMTRACE_NOTHROW_PLAIN(opNewArrayNothrow))
MEMTRACE_THROWING_NEW_HOOK(operator new(size_t size, std::align_val_t al), NewAligned,
                           r.opNewAligned ? r.opNewAligned(size, MEMTRACE_ALIGN)
                                          : fallbackNewAligned(size, MEMTRACE_ALIGN),
                           MEMTRACE_NOTHROW_ALIGNED(opNewAlignedNothrow))
MEMTRACE_THROWING_NEW_HOOK(operator new[](size_t size, std::align_val_t al), NewArrayAligned,
                           r.opNewArrayAligned ? r.opNewArrayAligned(size, MEMTRACE_ALIGN)
                                               : fallbackNewAligned(size, MEMTRACE_ALIGN),
                           MEMTRACE_NOTHROW_ALIGNED(opNewArrayAlignedNothrow))
MEMTRACE_NOTHROW_NEW_HOOK(operator new(size_t size, const std::nothrow_t&), NewNothrow,
                          MEMTRACE_NOTHROW_PLAIN(opNewNothrow))
MEMTRACE_NOTHROW_NEW_HOOK(operator new[](size_t size, const std::nothrow_t&), NewArrayNothrow,
                          MEMTRACE_NOTHROW_PLAIN(opNewArrayNothrow))
MEMTRACE_NOTHROW_NEW_HOOK(operator new(size_t size, std::align_val_t al, const std::nothrow_t&),
                          NewAlignedNothrow, MEMTRACE_NOTHROW_ALIGNED(opNewAlignedNothrow))
MEMTRACE_NOTHROW_NEW_HOOK(operator new[](size_t size, std::align_val_t al, const std::nothrow_t&),
                          NewArrayAlignedNothrow, MEMTRACE_NOTHROW_ALIGNED(opNewArrayAlignedNothrow))
#undef MEMTRACE_THROWING_NEW_HOOK
#undef MEMTRACE_NOTHROW_NEW_HOOK
#undef MEMTRACE_NOTHROW_PLAIN
#undef MEMTRACE_NOTHROW_ALIGNED

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
#undef MEMTRACE_ALIGN
