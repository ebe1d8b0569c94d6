#include "event_recorder.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "clock.h"
#include "module_map.h"
#include "reentrancy_guard.h"
#include "shim_state.h"
#include "stack_range.h"
#include "stack_hash.h"
#include "stack_bounds.h"
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
    ev.ts = eventTicks();
    ev.type = EventType::ThreadStart;
    ev.thread = ring.threadIndex;
    ev.size = static_cast<uint64_t>(ring.tid);
    char name[kThreadNameBytes] = {};
    syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);  // raw: our prctl hook is not involved
    copyName(ev, name);
    pushEvent(ring, ev);
}

// The thread's stack bounds, from /proc/self/maps: the mapping that holds the stack pointer.
// On an alternate signal stack (the thread's first event is a handler's) that mapping is not
// the thread's stack: the bounds are the alternate stack's until a later event comes from
// elsewhere, which finds them again. One sigaltstack call per thread, and per event while
// deferred.
void findStackBounds(ThreadRing& ring)
{
    const auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    const StackRange alternate = alternateSignalStack();
    if (alternate.holds(here)) {
        ring.stackLow = alternate.low;
        ring.stackHigh = alternate.high;
        ring.stackBoundsDeferred = true;
        return;
    }
    ring.stackBoundsDeferred = false;
    currentThreadStackBounds(ring.stackLow, ring.stackHigh);
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
    findStackBounds(*ring);
    for (auto& slot : ring->stackCache) slot = StackCacheSlot{};
    // A ring taken over: its memo's walks were another thread's. Only the memo of the walk in
    // use is cleared: the other stays zero pages, untouched. (The rule cache stays: rules are
    // the process's, not the thread's.)
    if (g_config.unwind == UnwindMethod::FramePointer) ring->walkMemo.clear();
    else if (g_config.cfiWalk) ring->cfiMemo.clear();
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
    if (ring.stackBoundsDeferred) [[unlikely]]
        findStackBounds(ring);
    UnwindScratch scratch{ring.stackLow, ring.stackHigh};
    if (g_config.unwind == UnwindMethod::FramePointer) {
        if (g_config.walkMemo) scratch.fpMemo = &ring.walkMemo;
    } else if (g_config.cfiWalk) {
        const uint32_t unloads = g_codeUnloads.load(std::memory_order_acquire);
        if (unloads != ring.codeUnloadsSeen) [[unlikely]] {  // code was unloaded: rules may be stale
            ring.ruleCache.clear();
            ring.cfiMemo.clear();
            ring.codeUnloadsSeen = unloads;
        }
        scratch.rules = &ring.ruleCache;
        if (g_config.walkMemo) scratch.cfiMemo = &ring.cfiMemo;
    }
    const CapturedFrames captured = captureFrames(ring.unwindBuffer, kUnwindCapacity, scratch);
    if (captured.memoStackId != 0) return static_cast<StackId>(captured.memoStackId);
    const uint64_t* frames = captured.frames;
    const uint32_t depth = captured.depth;
    if (depth == 0) return StackId::None;
    const uint64_t hash = hashFrames(frames, depth);
    StackCacheSlot& cached = ring.stackCache[hash % kStackCacheSlots];
    if (cached.hash == hash && cached.depth == depth &&
        g_stacks.matches(static_cast<StackId>(cached.id), frames, depth, hash)) {
        completeWalk(captured.recording, cached.id);
        completeWalk(captured.cfiRecording, cached.id);
        return static_cast<StackId>(cached.id);
    }
    const StackId id = g_stacks.intern(frames, depth, hash);
    if (id == StackId::None) {
        if (g_stacks.full())
            requestStop(g_stacks.reduced() ? "the stack table is full (made smaller to fit the address-space limit, ulimit -v)"
                                           : "the stack table is full");
        return id;
    }
    cached = StackCacheSlot{hash, static_cast<uint32_t>(id), depth};
    completeWalk(captured.recording, static_cast<uint32_t>(id));
    completeWalk(captured.cfiRecording, static_cast<uint32_t>(id));
    return id;
}

void pushEvent(ThreadRing& ring, const RawEvent& event)
{
    RingSlot slots[kMaxEventSlots];
    const uint32_t span = toSlots(event, slots);
    pushSlots(ring, slots, span);
}

void pushSlots(ThreadRing& ring, const RingSlot* slots, uint32_t span)
{
    constexpr uint64_t kNoProgressLimitNs = 1000000000ull;
    uint64_t waitStart = 0;
    uint64_t consumedAtStart = 0;
    bool counted = false;  // in g_ringFullWaits: once per event, however long it waits
    for (;;) {
        if (RingSlot* slot = ring.tryReserve(span)) [[likely]] {
            ring.writerStalled = false;
            for (uint32_t i = 0; i < span; ++i) slot[i] = slots[i];
            if (ring.commit(span)) wakeWriter();
            return;
        }
        // Full: the writer is behind. Wait for it rather than drop: this thread holds no lock
        // of ours, so the writer can always make progress - unless it is blocked on a lock
        // this thread holds outside the shim. The one known case: glibc holds the loader's
        // write lock while calling a dl_iterate_phdr callback, and the writer calls
        // dl_iterate_phdr every drain. So if the writer is inside dl_iterate_phdr and has
        // consumed nothing for a second, the event is dropped and counted (End's
        // events_lost), and this thread keeps dropping until its ring has room again instead
        // of waiting a second per event. A writer that is merely starved of CPU (a loaded
        // machine, many busy threads) is waited for: no event is lost to slowness.
        if (inRawCloneChild()) return;  // no writer will ever make room here
        if (!writerThreadStarted()) [[unlikely]] {
            // Before the shim's constructor has started the writer (hooks called by a library
            // constructor): drain here in its place; if that makes no room, drop and count.
            const uint64_t consumedBefore = ring.consumed.load(std::memory_order_acquire);
            drainNow();
            if (ring.consumed.load(std::memory_order_acquire) != consumedBefore) continue;
            g_eventsLost.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        wakeWriter();
        if (!isActive() || ring.writerStalled) {
            g_eventsLost.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        if (!counted) g_ringFullWaits.fetch_add(1, std::memory_order_relaxed);
        counted = true;
        // Rather than sleep while the writer thread waits for a core, drain here if no drain is
        // running; sleep only if that made no room in this ring (its events held back by the
        // causal cut, or a Stack record due: writer_thread.h).
        const uint64_t consumedBefore = ring.consumed.load(std::memory_order_acquire);
        if (g_config.helpDrain && t_inShim && helpDrain() && ring.consumed.load(std::memory_order_acquire) != consumedBefore)
            continue;
        const uint64_t now = nowNs();
        const uint64_t consumed = ring.consumed.load(std::memory_order_acquire);
        if (waitStart == 0 || consumed != consumedAtStart) {
            waitStart = now;
            consumedAtStart = consumed;
        } else if (now - waitStart > kNoProgressLimitNs && insideLoaderWalk()) {
            ring.writerStalled = true;
            continue;
        }
        const uint32_t room = roomGeneration(ring);
        if (ring.tryReserve(span)) continue;  // room announced before `room` was read
        waitForRoom(ring, room);
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
    ev.ts = eventTicks();
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
