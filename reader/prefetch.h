// A hint that memory at `p` is read soon: its cache line starts loading now.
#pragma once

namespace memtrace::reader {

inline void prefetchLine(const void* p)
{
#if defined(__x86_64__)
    // GCC 12 drops __builtin_prefetch in the decode loop (seen: no prefetcht0 emitted).
    asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
    __builtin_prefetch(p);
#endif
}

}  // namespace memtrace::reader
