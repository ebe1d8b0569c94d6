#include "real_functions.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <type_traits>

#include "reentrancy_guard.h"

namespace memtrace::shim {

constinit RealFunctions g_real{};
constinit std::atomic<int> g_realResolved{0};

namespace {

// glibc declares most of these noexcept (__THROW); the pointers we keep are plain.
template <class T>
struct StripNoexcept {
    using type = T;
};
template <class R, class... A>
struct StripNoexcept<R (*)(A...) noexcept> {
    using type = R (*)(A...);
};

// glibc's declarations carry attributes (nonnull, malloc...) that decltype drops: expected.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#define MEMTRACE_CHECK_SIGNATURE(field, symbol, ret, params, req)                                       \
    static_assert(std::is_same_v<StripNoexcept<decltype(&::field)>::type, decltype(RealFunctions::field)>, \
                  "hooks_table.h: signature of " symbol " differs from glibc's");
MEMTRACE_DECLARED_HOOKS(MEMTRACE_CHECK_SIGNATURE)
#undef MEMTRACE_CHECK_SIGNATURE
#pragma GCC diagnostic pop

enum Requirement { Required, Optional };

}  // namespace

void resolveRealFunctions()
{
    int expected = 0;
    if (!g_realResolved.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) return;
    ShimScope guard;
    // malloc, calloc, realloc and free come first in the table, so dlsym's own allocations
    // for the later look-ups already go to the real allocator.
#define MEMTRACE_RESOLVE(field, symbol, ret, params, req) \
    g_real.field = reinterpret_cast<decltype(g_real.field)>(dlsym(RTLD_NEXT, symbol));
    MEMTRACE_ALL_HOOKS(MEMTRACE_RESOLVE)
#undef MEMTRACE_RESOLVE
    g_realResolved.store(2, std::memory_order_release);
}

void consumeResolutionErrors()
{
    while (dlerror() != nullptr) {
    }
}

format::SizeClasses realMallocSizeClasses()
{
    Dl_info info{};
    if (!g_real.malloc || dladdr(reinterpret_cast<void*>(g_real.malloc), &info) == 0 || !info.dli_fname)
        return format::SizeClasses::Exact;
    const char* name = std::strrchr(info.dli_fname, '/');
    name = name ? name + 1 : info.dli_fname;
    if (std::strncmp(name, "libjemalloc.so", 14) == 0) return format::SizeClasses::Jemalloc;
    if (std::strncmp(name, "libc.so", 7) == 0) return format::SizeClasses::Glibc;
    return format::SizeClasses::Exact;
}

bool allRequiredFound()
{
    bool ok = true;
#define MEMTRACE_REQUIRED(field, symbol, ret, params, req) \
    if (req == Required && g_real.field == nullptr) ok = false;
    MEMTRACE_ALL_HOOKS(MEMTRACE_REQUIRED)
#undef MEMTRACE_REQUIRED
    return ok;
}

}  // namespace memtrace::shim
