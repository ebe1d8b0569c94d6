// The calling thread's stack bounds, for the unwinders' range checks, found without
// allocating. pthread_getattr_np allocates (a cpuset for every thread, and a FILE to read
// /proc/self/maps for the main thread): a ring is attached on a thread's first event, which
// may be an mmap made by an allocator of the program's own with its lock held (an executable
// that defines malloc, as Chromium does), and that allocation would re-enter the allocator and
// deadlock (examples/hardening/own_malloc.c).
#pragma once

#include <cstdint>

namespace memtrace::shim {

// Reads /proc/self/maps with raw system calls into a stack buffer: the mapping holding the
// stack pointer is the stack. The main thread's ([stack], grown on demand) reaches down to its
// top minus RLIMIT_STACK, but not into the mapping below it, as glibc reports it. Both 0 if
// unknown. Hook-reachable: no allocation, no lock, no hooked call.
void currentThreadStackBounds(uintptr_t& low, uintptr_t& high);

}  // namespace memtrace::shim
