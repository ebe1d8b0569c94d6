#include "thread_ring.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <new>

#include "futex.h"
#include "sys_memory.h"

namespace memtrace::shim {
namespace {

}  // namespace

uint32_t roomGeneration(const ThreadRing& ring) { return ring.roomWord.load(std::memory_order_seq_cst); }

// The waiter count is raised before the futex re-checks the word and the writer bumps the word
// before it reads the count (both seq_cst): either the futex sees the new word and returns, or
// the writer sees a waiter and wakes it.
void waitForRoom(ThreadRing& ring, uint32_t generation)
{
    ring.roomWaiters.fetch_add(1, std::memory_order_seq_cst);
    futexWait(ring.roomWord, generation, 1000000);
    ring.roomWaiters.fetch_sub(1, std::memory_order_seq_cst);
}

void announceRoom(ThreadRing& ring)
{
    ring.roomWord.fetch_add(1, std::memory_order_seq_cst);
    if (ring.roomWaiters.load(std::memory_order_seq_cst) > 0) futexWakeAll(ring.roomWord);
}

ThreadRing* RingRegistry::acquire()
{
    for (ThreadRing* r = first(); r; r = r->next) {
        RingState expected = RingState::Free;
        if (r->state.load(std::memory_order_relaxed) == RingState::Free &&
            r->state.compare_exchange_strong(expected, RingState::InUse, std::memory_order_acq_rel)) {
            r->inFlightSince.store(0, std::memory_order_relaxed);
            r->resetProducer();
            return r;
        }
    }
    void* memory = mapAnonymous(sizeof(ThreadRing));
    if (!memory) return nullptr;
    auto* ring = new (memory) ThreadRing;  // default-init: the event array stays untouched (zero pages)
    ThreadRing* head = m_head.load(std::memory_order_relaxed);
    do {
        ring->next = head;
    } while (!m_head.compare_exchange_weak(head, ring, std::memory_order_release, std::memory_order_relaxed));
    return ring;
}

bool RingRegistry::tryRecycle(ThreadRing& ring, pid_t pid)
{
    if (ring.state.load(std::memory_order_acquire) != RingState::Exiting) return false;
    // The key destructor ran, but later TLS destructors of the thread may still allocate and
    // record: the ring is only free once the kernel says the thread no longer exists.
    if (syscall(SYS_tgkill, pid, ring.tid, 0) == 0 || errno != ESRCH) return false;
    if (ring.consumed.load(std::memory_order_relaxed) != ring.committed.load(std::memory_order_acquire)) return false;
    ring.state.store(RingState::Free, std::memory_order_release);
    return true;
}

void RingRegistry::discardForChild(ThreadRing* survivor)
{
    for (ThreadRing* r = first(); r; r = r->next) {
        r->consumed.store(r->committed.load(std::memory_order_relaxed), std::memory_order_relaxed);
        r->inFlightSince.store(0, std::memory_order_relaxed);
        if (r != survivor) r->state.store(RingState::Free, std::memory_order_relaxed);
    }
    if (survivor) survivor->resetProducer();
}

}  // namespace memtrace::shim
