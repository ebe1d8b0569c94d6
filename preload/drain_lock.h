// The lock that serialises drains of the rings: the writer thread's periodic drain and the
// synchronous drains run by exit, _exit, exec, dlclose and fork. Hooks that only record an
// event never take it (recording is lock-free); it is held only around writer work.
//
// A plain test-and-set with sched_yield: contention is rare (one writer, occasional synchronous
// drains), and a futex-free lock can simply be re-initialised in a fork child.
#pragma once

#include <sched.h>

#include <atomic>
#include <cstdint>

namespace memtrace::shim {

class DrainLock {
public:
    void lock()
    {
        while (m_word.exchange(1, std::memory_order_acquire) != 0) sched_yield();
    }
    // Takes it only if free: a producer offering to drain in the writer's place never waits.
    bool tryLock() { return m_word.load(std::memory_order_relaxed) == 0 && m_word.exchange(1, std::memory_order_acquire) == 0; }
    void unlock() { m_word.store(0, std::memory_order_release); }
    // Fork child: the thread that held it (in pthread_atfork prepare) is the only one left.
    void resetInChild() { m_word.store(0, std::memory_order_relaxed); }

private:
    std::atomic<uint32_t> m_word{0};
};

class DrainLockScope {
public:
    explicit DrainLockScope(DrainLock& lock) : m_lock(lock) { m_lock.lock(); }
    ~DrainLockScope() { m_lock.unlock(); }
    DrainLockScope(const DrainLockScope&) = delete;
    DrainLockScope& operator=(const DrainLockScope&) = delete;

private:
    DrainLock& m_lock;
};

}  // namespace memtrace::shim
