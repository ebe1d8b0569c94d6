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

#include "reentrancy_guard.h"

namespace memtrace::shim {

class DrainLock {
public:
    void lock()
    {
        while (m_word.exchange(1, std::memory_order_acquire) != 0) sched_yield();
        m_owner.store(self(), std::memory_order_relaxed);
    }
    // Takes it only if free: a producer offering to drain in the writer's place never waits.
    bool tryLock()
    {
        if (m_word.load(std::memory_order_relaxed) != 0 || m_word.exchange(1, std::memory_order_acquire) != 0) return false;
        m_owner.store(self(), std::memory_order_relaxed);
        return true;
    }
    void unlock()
    {
        m_owner.store(nullptr, std::memory_order_relaxed);
        m_word.store(0, std::memory_order_release);
    }
    // Fork child: the thread that held it (in pthread_atfork prepare) is the only one left.
    void resetInChild()
    {
        m_owner.store(nullptr, std::memory_order_relaxed);
        m_word.store(0, std::memory_order_relaxed);
    }
    // Whether the calling thread holds it: a signal handler must not wait for it then
    // (fatal_signals.h). Only the holder stores its own identity, so the answer is exact for
    // the caller.
    bool heldByThisThread() const { return m_owner.load(std::memory_order_relaxed) == self(); }

private:
    // A thread's identity: the address of one of its thread-local variables (initial-exec TLS:
    // no allocation, no call).
    static const void* self() { return &t_inShim; }

    std::atomic<uint32_t> m_word{0};
    std::atomic<const void*> m_owner{nullptr};
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
