// Clocks used by the shim. Both go through the vDSO: no syscall, no allocation, no lock,
// async-signal-safe, so any hook may call them.
#pragma once

#include <cstdint>
#include <ctime>

namespace memtrace::shim {

// Event timestamps: CLOCK_MONOTONIC in nanoseconds. Every thread reads the same clock, which
// is what lets the writer merge per-thread rings into one causal order.
inline uint64_t nowNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Wall clock, only for ProcessInfo's start time.
inline uint64_t realtimeNs()
{
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace memtrace::shim
