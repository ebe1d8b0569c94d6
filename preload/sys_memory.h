// The shim's own memory: anonymous mappings made by raw syscall, so they never enter our own
// mmap hook and never touch the program's allocator. Callable from anywhere (hooks, the
// writer thread, fork handlers): no allocation, no lock.
#pragma once

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace memtrace::shim {

// Returns nullptr on failure. noReserve: address space only, pages cost nothing until touched.
inline void* mapAnonymous(size_t bytes, bool noReserve = false)
{
    const int flags = MAP_PRIVATE | MAP_ANONYMOUS | (noReserve ? MAP_NORESERVE : 0);
    const long r = syscall(SYS_mmap, nullptr, bytes, PROT_READ | PROT_WRITE, flags, -1, 0L);
    if (r == -1) return nullptr;
    return reinterpret_cast<void*>(r);
}

inline void unmapAnonymous(void* p, size_t bytes)
{
    if (p) syscall(SYS_munmap, p, bytes);
}

// The address space this process may still map at most: the smaller of RLIMIT_AS and
// RLIMIT_DATA (which, since Linux 4.7, counts private writable mappings too); SIZE_MAX if
// neither is set.
inline size_t addressSpaceLimit()
{
    size_t limit = SIZE_MAX;
    for (const int resource : {RLIMIT_AS, RLIMIT_DATA}) {
        rlimit r{};
        if (getrlimit(resource, &r) == 0 && r.rlim_cur != RLIM_INFINITY && r.rlim_cur < limit) limit = r.rlim_cur;
    }
    return limit;
}

}  // namespace memtrace::shim
