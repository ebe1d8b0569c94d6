// jemalloc's non-standard API: mallocx, rallocx, xallocx, sdallocx, dallocx.
// Only programs that link jemalloc call these, and then dlsym finds jemalloc's definitions.
// Should one be called without jemalloc loaded (it would not link, but dlopen tricks exist),
// the hook behaves sanely on the libc allocator: MALLOCX_ALIGN and MALLOCX_ZERO are honoured,
// xallocx resizes nothing.
#include <dlfcn.h>
#include <malloc.h>

#include <cstring>

#include "hook_support.h"
#include "real_functions.h"

using namespace memtrace::shim;

namespace {

constexpr int kLgAlignMask = 0x3f;  // MALLOCX_LG_ALIGN(la) == la
constexpr int kZero = 0x40;         // MALLOCX_ZERO

// jemalloc may also be dlopen'ed after our resolution ran: look again, once per miss.
template <class T>
T lateLookup(T& slot, const char* symbol)
{
    if (!slot) slot = reinterpret_cast<T>(dlsym(RTLD_NEXT, symbol));  // RTLD_DEFAULT would find us
    return slot;
}

void* libcMallocx(size_t size, int flags)
{
    const size_t alignment = (flags & kLgAlignMask) ? size_t{1} << (flags & kLgAlignMask) : 0;
    void* p = nullptr;
    if (alignment > alignof(max_align_t)) {
        if (real().posix_memalign(&p, alignment, size) != 0) p = nullptr;
    } else {
        p = real().malloc(size);
    }
    if (p && (flags & kZero)) std::memset(p, 0, size);
    return p;
}

}  // namespace

MEMTRACE_EXPORT void* mallocx(size_t size, int flags)
{
    RealFunctions& r = real();
    HookScope scope;
    auto call = [&] {
        if (auto fn = lateLookup(r.mallocx, "mallocx")) return fn(size, flags);
        return libcMallocx(size, flags);
    };
    if (!scope.recording()) return call();
    return tracedAlloc(AllocatorKind::Mallocx, size, call);
}

MEMTRACE_EXPORT void* rallocx(void* p, size_t size, int flags)
{
    RealFunctions& r = real();
    HookScope scope;
    auto call = [&] {
        if (auto fn = lateLookup(r.rallocx, "rallocx")) return fn(p, size, flags);
        return r.realloc(p, size);
    };
    if (!scope.recording()) return call();
    return tracedRealloc(AllocatorKind::Rallocx, p, size, false, call);
}

// Resizes in place; returns the block's real size afterwards. Recorded as a Realloc in place
// whose size is that return value.
MEMTRACE_EXPORT size_t xallocx(void* p, size_t size, size_t extra, int flags)
{
    RealFunctions& r = real();
    HookScope scope;
    auto call = [&]() -> size_t {
        if (auto fn = lateLookup(r.xallocx, "xallocx")) return fn(p, size, extra, flags);
        return malloc_usable_size(p);
    };
    if (!scope.recording()) return call();
    // xallocx returns the block's real (usable) size. It succeeded if that is at least `size`;
    // the block then holds what the program asked for: size, plus the part of `extra` that fit.
    // On failure nothing changed, so nothing is recorded (a null result records nothing).
    size_t result = 0;
    size_t recorded = 0;  // read by tracedRealloc after the call
    tracedRealloc(AllocatorKind::Xallocx, p, recorded, false, [&]() -> void* {
        result = call();
        if (result < size) return nullptr;
        recorded = result < size + extra ? result : size + extra;
        return p;
    });
    return result;
}

MEMTRACE_EXPORT void sdallocx(void* p, size_t size, int flags)
{
    if (!p) return;
    RealFunctions& r = real();
    HookScope scope;
    auto call = [&] {
        if (auto fn = lateLookup(r.sdallocx, "sdallocx")) fn(p, size, flags);
        else r.free(p);
    };
    if (!scope.recording()) return call();
    tracedFree(AllocatorKind::Sdallocx, p, call);
}

MEMTRACE_EXPORT void dallocx(void* p, int flags)
{
    if (!p) return;
    RealFunctions& r = real();
    HookScope scope;
    auto call = [&] {
        if (auto fn = lateLookup(r.dallocx, "dallocx")) fn(p, flags);
        else r.free(p);
    };
    if (!scope.recording()) return call();
    tracedFree(AllocatorKind::Dallocx, p, call);
}
