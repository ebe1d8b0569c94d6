// What every allocation hook shares: the entry scope and the three recording shapes
// (allocation, release, resize). Included by the hooks_*.cpp files only.
//
// All of it is hook-reachable: no allocation through the program's allocator, no lock, no
// logging, no exceptions of our own (operator new's std::bad_alloc passes through untouched).
#pragma once

#include <cstddef>
#include <cstdint>

#include "clock.h"
#include "event_recorder.h"
#include "memtrace/format.h"
#include "reentrancy_guard.h"
#include "sampling_hooks.h"
#include "shim_state.h"

#define MEMTRACE_EXPORT extern "C" __attribute__((visibility("default")))
#define MEMTRACE_EXPORT_CXX __attribute__((visibility("default")))

namespace memtrace::shim {

using format::AllocatorKind;

// Whether a hook may start the shim (recordingEnabled's lazy initialisation: dlsym and the
// capture file, which allocate; the rest waits for the constructor). The allocation hooks may: they are
// the program's allocator. The mapping hooks may not (LazyStart::Never): they can be called
// by an allocator of the program's own with its lock held (own_malloc.c), before the shim's
// constructor has run; they record only once the shim is active.
enum class LazyStart { Allowed, Never };

// Decides at hook entry whether this call is recorded, and holds the reentrancy guard for the
// duration of the hook if so: everything the hook calls (the real allocator, the unwinder)
// then passes through other hooks unrecorded.
class HookScope {
public:
    explicit HookScope(LazyStart start = LazyStart::Allowed)
    {
        if (t_inShim) return;
        if (start == LazyStart::Never ? !isActive() : !recordingEnabled()) return;
        t_inShim = 1;
        m_recording = true;
    }
    ~HookScope()
    {
        if (m_recording) t_inShim = 0;
    }
    HookScope(const HookScope&) = delete;
    HookScope& operator=(const HookScope&) = delete;
    bool recording() const { return m_recording; }

private:
    bool m_recording = false;
};

// Allocation: stack first, then the real call, then the timestamp (after the block exists),
// then commit - before the pointer is returned to anyone who could free it on another thread.
template <class Call>
inline void* tracedAlloc(AllocatorKind kind, size_t size, Call&& call)
{
    if (void* p; allocUnderControl(kind, size, call, &p)) return p;  // paused or sampling
    ThreadRing* ring = currentRing();
    if (!ring) return call();
    const StackId stack = captureStack(*ring);
    void* p = call();
    if (p) pushAllocation(*ring, kind, p, size, stack);
    return p;
}

// Release: stamped and committed BEFORE the real call, so by the time the block can be handed
// to another thread its release is already in the ring.
template <class Call>
inline void tracedFree(AllocatorKind kind, void* p, Call&& call)
{
    if (freeUnderSampling(kind, p, call)) return;
    if (ThreadRing* ring = currentRing()) pushRelease(*ring, kind, p);
    call();
}

// Resize: the release part is stamped before the call (and published as in-flight so nothing
// later is emitted first), the allocation part after. A null result records nothing unless it
// means "freed" (realloc(p, 0)). `size` is read after the call (xallocx learns it only then).
template <class Call>
inline void* tracedRealloc(AllocatorKind kind, void* old, const size_t& size, bool nullMeansFreed, Call&& call)
{
    if (void* p; reallocUnderControl(kind, old, size, call, &p)) return p;  // paused or sampling
    ThreadRing* ring = currentRing();
    if (!ring) return call();
    const StackId stack = captureStack(*ring);
    const uint64_t before = eventTicks();
    beginInFlight(*ring, before);
    void* p = call();
    const uint64_t after = eventTicks();
    if (p || (nullMeansFreed && old)) {
        RawEvent ev{};
        ev.ts = before;
        ev.ts2 = after;
        ev.type = EventType::Realloc;
        ev.kind = kind;
        ev.oldAddr = reinterpret_cast<uintptr_t>(old);
        ev.addr = reinterpret_cast<uintptr_t>(p);
        ev.size = p ? size : 0;
        ev.stack = p ? static_cast<uint32_t>(stack) : 0;
        ev.thread = ring->threadIndex;
        pushEvent(*ring, ev);
    }
    endInFlight(*ring);
    return p;
}

inline bool multiplyOverflows(size_t a, size_t b, size_t& out) { return __builtin_mul_overflow(a, b, &out); }

}  // namespace memtrace::shim
