// A small static bump arena for the allocations made before the real allocator is known
// (dlsym's calloc during resolution, or another thread allocating while resolution runs).
// Its blocks are never reused: free() ignores them and realloc() copies them out.
// Hook-reachable: no allocation, no lock (an atomic bump), async-signal-safe.
#pragma once

#include <cstddef>

namespace memtrace::shim::bootstrap {

// Zeroed memory, 16-byte aligned (or `alignment` if larger, up to 4096); nullptr if exhausted.
void* allocate(size_t size, size_t alignment = 16);
bool owns(const void* p);
// Requested size of a block from allocate() (for realloc's copy-out).
size_t sizeOf(const void* p);

}  // namespace memtrace::shim::bootstrap
