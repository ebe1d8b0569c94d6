// mmap, mmap64, munmap, mremap. Failed calls record nothing. The allocator's own mappings are
// not seen: glibc's malloc calls mmap internally (no PLT), and an allocator that does go
// through the PLT (jemalloc) calls it from inside our malloc hook, where the guard is set.
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hook_support.h"
#include "real_functions.h"
#include "unwinder.h"

using namespace memtrace::shim;

namespace {

// Until resolution has completed (before the shim's constructor, or while another thread runs
// dlsym) the raw system calls stand in for the real functions: these hooks never resolve nor
// start the shim themselves (resolvedOrNull, LazyStart::Never), as an allocator of the program's
// own may call them with its lock held.
void* rawMmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset)
{
    return reinterpret_cast<void*>(syscall(SYS_mmap, addr, length, prot, flags, fd, offset));
}

int rawMunmap(void* addr, size_t length) { return static_cast<int>(syscall(SYS_munmap, addr, length)); }

void* rawMremap(void* old, size_t oldLength, size_t newLength, int flags, void* newAddress)
{
    return reinterpret_cast<void*>(syscall(SYS_mremap, old, oldLength, newLength, flags, newAddress));
}

template <class Call>
void* tracedMmap(int prot, int flags, size_t length, Call&& call)
{
    if (allocationsPaused()) return call();  // mappings are recorded in full under sampling
    ThreadRing* ring = currentRing();
    if (!ring) return call();
    const StackId stack = captureStack(*ring);
    void* p = call();
    if (p != MAP_FAILED) {
        RawEvent ev{};
        ev.ts = eventTicks();
        ev.type = EventType::Mmap;
        ev.kind = (flags & MAP_ANONYMOUS) ? AllocatorKind::MmapAnonymous : AllocatorKind::MmapFile;
        ev.addr = reinterpret_cast<uintptr_t>(p);
        ev.size = length;
        ev.aux = static_cast<uint32_t>(prot) | (static_cast<uint64_t>(static_cast<uint32_t>(flags)) << 32);
        ev.stack = static_cast<uint32_t>(stack);
        ev.thread = ring->threadIndex;
        pushEvent(*ring, ev);
    }
    return p;
}

}  // namespace

MEMTRACE_EXPORT void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) noexcept
{
    const auto next = resolvedOrNull(&RealFunctions::mmap);
    HookScope scope(LazyStart::Never);
    auto call = [&] {
        return next ? next(addr, length, prot, flags, fd, offset) : rawMmap(addr, length, prot, flags, fd, offset);
    };
    if (!scope.recording()) return call();
    return tracedMmap(prot, flags, length, call);
}

MEMTRACE_EXPORT void* mmap64(void* addr, size_t length, int prot, int flags, int fd, off64_t offset) noexcept
{
    const auto next = resolvedOrNull(&RealFunctions::mmap64);
    HookScope scope(LazyStart::Never);
    auto call = [&] {
        return next ? next(addr, length, prot, flags, fd, offset) : rawMmap(addr, length, prot, flags, fd, offset);
    };
    if (!scope.recording()) return call();
    return tracedMmap(prot, flags, length, call);
}

// Stamped before the call and published in-flight: once the range is unmapped another thread
// may map it again, and that mapping must not be emitted before this munmap.
MEMTRACE_EXPORT int munmap(void* addr, size_t length) noexcept
{
    const auto next = resolvedOrNull(&RealFunctions::munmap);
    auto call = [&] { return next ? next(addr, length) : rawMunmap(addr, length); };
    if (isUnwinderCode(reinterpret_cast<uintptr_t>(__builtin_return_address(0)))) return call();
    HookScope scope(LazyStart::Never);
    if (!scope.recording()) return call();
    ThreadRing* ring = currentRing();
    if (!ring) return call();
    const uint64_t before = eventTicks();
    beginInFlight(*ring, before);
    const int rc = call();
    if (rc == 0) {
        RawEvent ev{};
        ev.ts = before;
        ev.type = EventType::Munmap;
        ev.kind = AllocatorKind::Munmap;
        ev.addr = reinterpret_cast<uintptr_t>(addr);
        ev.size = length;
        ev.thread = ring->threadIndex;
        pushEvent(*ring, ev);
    }
    endInFlight(*ring);
    return rc;
}

// Variadic in glibc: the fifth argument (new address) exists only with MREMAP_FIXED.
MEMTRACE_EXPORT void* mremap(void* old, size_t oldLength, size_t newLength, int flags, ...) noexcept
{
    void* newAddress = nullptr;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        newAddress = va_arg(ap, void*);
        va_end(ap);
    }
    const auto next = resolvedOrNull(&RealFunctions::mremap);
    HookScope scope(LazyStart::Never);
    auto call = [&] {
        return next ? next(old, oldLength, newLength, flags, newAddress)
                    : rawMremap(old, oldLength, newLength, flags, newAddress);
    };
    if (!scope.recording()) return call();
    ThreadRing* ring = currentRing();
    if (!ring) return call();
    const StackId stack = captureStack(*ring);
    const uint64_t before = eventTicks();
    beginInFlight(*ring, before);
    void* p = call();
    const uint64_t after = eventTicks();
    if (p != MAP_FAILED) {
        RawEvent ev{};
        ev.ts = before;
        ev.ts2 = after;
        ev.type = EventType::Mremap;
        ev.kind = AllocatorKind::Mremap;
        ev.oldAddr = reinterpret_cast<uintptr_t>(old);
        ev.addr = reinterpret_cast<uintptr_t>(p);
        ev.size = newLength;
        ev.aux = oldLength;
        ev.stack = static_cast<uint32_t>(stack);
        ev.thread = ring->threadIndex;
        pushEvent(*ring, ev);
    }
    endInFlight(*ring);
    return p;
}
