#include "event_recorder.h"

#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "clock.h"
#include "shim_state.h"
#include "stack_hash.h"
#include "unwinder.h"
#include "writer_thread.h"

namespace memtrace::shim {
namespace {

__thread ThreadRing* t_ring __attribute__((tls_model("initial-exec"))) = nullptr;
constinit std::atomic<uint32_t> g_nextThreadIndex{1};
constinit pthread_key_t g_ringKey = 0;
constinit bool g_ringKeyCreated = false;

void copyName(RawEvent& ev, const char* name)
{
    char buffer[kThreadNameBytes] = {};
    if (name) {
        for (size_t i = 0; i + 1 < kThreadNameBytes && name[i]; ++i) buffer[i] = name[i];
    }
    std::memcpy(&ev.addr, buffer, 8);
    std::memcpy(&ev.oldAddr, buffer + 8, 8);
}

void announceThread(ThreadRing& ring)
{
    RawEvent ev{};
    ev.ts = nowNs();
    ev.type = EventType::ThreadStart;
    ev.thread = ring.threadIndex;
    ev.size = static_cast<uint64_t>(ring.tid);
    char name[kThreadNameBytes] = {};
    syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);  // raw: our prctl hook is not involved
    copyName(ev, name);
    pushEvent(ring, ev);
}

ThreadRing* attachRing()
{
    ThreadRing* ring = g_rings.acquire();
    if (!ring) {
        requestStop("cannot map a thread's event ring");
        return nullptr;
    }
    ring->threadIndex = g_nextThreadIndex.fetch_add(1, std::memory_order_relaxed);
    ring->tid = static_cast<pid_t>(syscall(SYS_gettid));
    ring->thread = pthread_self();
    ring->stackLow = ring->stackHigh = 0;
    if (g_config.unwind == UnwindMethod::FramePointer) currentThreadStackBounds(ring->stackLow, ring->stackHigh);
    for (auto& slot : ring->stackCache) slot = StackCacheSlot{};
    t_ring = ring;
    // May allocate the key's second-level array (under the guard): the real allocator.
    if (g_ringKeyCreated) pthread_setspecific(g_ringKey, ring);
    announceThread(*ring);
    return ring;
}

}  // namespace

bool createRingKey()
{
    if (g_ringKeyCreated) return true;
    g_ringKeyCreated = pthread_key_create(&g_ringKey, onThreadExit) == 0;
    return g_ringKeyCreated;
}

ThreadRing* currentRing()
{
    ThreadRing* ring = t_ring;
    return ring ? ring : attachRing();
}

StackId captureStack(ThreadRing& ring)
{
    uint64_t* frames = ring.unwindBuffer;
    const uint32_t depth = captureFrames(frames, kUnwindCapacity, ring.stackLow, ring.stackHigh);
    if (depth == 0) return StackId::None;
    const uint64_t hash = hashFrames(frames, depth);
    StackCacheSlot& cached = ring.stackCache[hash % kStackCacheSlots];
    if (cached.hash == hash && cached.depth == depth &&
        g_stacks.matches(static_cast<StackId>(cached.id), frames, depth, hash))
        return static_cast<StackId>(cached.id);
    const StackId id = g_stacks.intern(frames, depth, hash);
    if (id == StackId::None) {
        if (g_stacks.full()) requestStop("the stack table is full");
        return id;
    }
    cached = StackCacheSlot{hash, static_cast<uint32_t>(id), depth};
    return id;
}

void pushEvent(ThreadRing& ring, const RawEvent& event)
{
    for (;;) {
        if (RawEvent* slot = ring.tryReserve()) {
            *slot = event;
            if (ring.commit()) wakeWriter();
            return;
        }
        // Full: the writer is behind. Wait for it rather than drop. A thread waiting here
        // holds no lock, so the writer (or a synchronous drain) can always make progress.
        wakeWriter();
        if (!isActive()) {
            g_eventsLost.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        sched_yield();
    }
}

void beginInFlight(ThreadRing& ring, uint64_t since)
{
    ring.inFlightSince.store(since, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

void endInFlight(ThreadRing& ring) { ring.inFlightSince.store(0, std::memory_order_release); }

void recordThreadName(pthread_t thread, const char* name)
{
    ThreadRing* ring = currentRing();
    if (!ring) return;
    uint32_t target = 0;
    if (pthread_equal(thread, pthread_self())) {
        target = ring->threadIndex;
    } else {
        for (ThreadRing* r = g_rings.first(); r; r = r->next) {
            if (r->state.load(std::memory_order_acquire) != RingState::Free && pthread_equal(r->thread, thread)) {
                target = r->threadIndex;
                break;
            }
        }
    }
    // A thread that has not recorded yet announces its (new) name in its ThreadStart.
    if (target == 0) return;
    RawEvent ev{};
    ev.ts = nowNs();
    ev.type = EventType::ThreadName;
    ev.thread = ring->threadIndex;
    ev.stack = target;
    copyName(ev, name);
    pushEvent(*ring, ev);
}

void onThreadExit(void* ring)
{
    static_cast<ThreadRing*>(ring)->state.store(RingState::Exiting, std::memory_order_release);
}

void announceThreadInChild()
{
    if (ThreadRing* ring = t_ring) {
        ring->tid = static_cast<pid_t>(syscall(SYS_gettid));
        ring->thread = pthread_self();
        ring->state.store(RingState::InUse, std::memory_order_relaxed);
        ring->resetProducer();
        announceThread(*ring);
    }
}


}  // namespace memtrace::shim
