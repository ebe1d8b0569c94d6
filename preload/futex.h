// Futex wait/wake on a 32-bit atomic word: how producers wake the writer thread and how the
// writer sleeps between drains. Raw syscalls: no allocation, no lock, safe in hooks.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <ctime>

namespace memtrace::shim {

// Sleeps while *word == expected, at most timeoutNs. Spurious wake-ups are allowed.
inline void futexWait(std::atomic<uint32_t>& word, uint32_t expected, uint64_t timeoutNs)
{
    timespec ts{static_cast<time_t>(timeoutNs / 1000000000ull), static_cast<long>(timeoutNs % 1000000000ull)};
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, &ts, nullptr, 0);
}

inline void futexWakeAll(std::atomic<uint32_t>& word)
{
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 0x7fffffff, nullptr, nullptr, 0);
}

}  // namespace memtrace::shim
