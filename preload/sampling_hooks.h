// The hook shapes under byte sampling and while paused (docs/SAMPLING.md, docs/CONTROL.md).
// hook_support.h's tracedAlloc/tracedFree/tracedRealloc hand over to these at their start.
//
// Unsampled allocations cost a TLS countdown; their frees one probe of the sampled-block set;
// neither unwinds nor touches the ring. Releases are stamped and committed before the real
// call and allocations after it, as in hook_support.h, and the sampled-block set is updated on
// the same sides (an address leaves the set before it can be reused, and enters it before the
// pointer is handed out).
//
// realloc under sampling is a release of the old block (recorded if it was sampled) plus a new
// allocation of the new size (sampled on its own). A realloc while paused records only the
// release. Hook-reachable: no allocation, no lock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "clock.h"
#include "control.h"
#include "event_recorder.h"
#include "sampled_blocks.h"
#include "sampling.h"
#include "shim_state.h"

namespace memtrace::shim {

// An allocation that is not recorded. If this thread's latest allocation was a sampled block
// that is still live, the reader would take a free of that block for a temporary one (freed
// before its thread allocated again): one AllocationUnrecorded event says otherwise. So
// temporary counts stay unbiased estimates, at most one extra event per sampled block.
inline void noteUnrecordedAllocation(const void* p)
{
    if (t_latestSampledBlock == 0 || p == nullptr) [[likely]] return;
    t_latestSampledBlock = 0;
    if (ThreadRing* ring = currentRing())
        pushEvent(*ring, RawEvent{.ts = hookTicks(), .ts2 = 0, .addr = 0, .oldAddr = 0, .size = 0, .aux = 0, .stack = 0,
                                  .thread = ring->threadIndex, .type = EventType::AllocationUnrecorded,
                                  .kind = format::AllocatorKind::Malloc});
}

// A recorded release of p: if it was this thread's latest sampled block, an unsampled
// allocation after it no longer matters.
inline void noteSampledRelease(const void* p)
{
    if (reinterpret_cast<uintptr_t>(p) == t_latestSampledBlock) t_latestSampledBlock = 0;
}

// A sampled allocation: recorded as Alloc with aux = weight (the writer emits AllocWeighted).
template <class Call>
inline void* sampledAlloc(format::AllocatorKind kind, size_t size, uint64_t weight, Call&& call)
{
    ThreadRing* ring = currentRing();
    if (!ring) return call();
    const StackId stack = captureStack(*ring);
    void* p = call();
    if (p) {
        if (!g_sampledBlocks.insert(reinterpret_cast<uintptr_t>(p))) requestStop("the sampled-block table is full");
        pushAllocation(*ring, kind, p, size, stack, weight);
        t_latestSampledBlock = reinterpret_cast<uintptr_t>(p);
    }
    return p;
}

// Sampling or paused. Returns true if it handled the call (result in *out).
template <class Call>
inline bool allocUnderControl(format::AllocatorKind kind, size_t size, Call&& call, void** out)
{
    if (allocationsPaused()) {
        *out = call();
        return true;
    }
    if (!samplingEnabled()) return false;
    uint64_t weight = 0;
    if (takeSample(size, weight)) {
        *out = sampledAlloc(kind, size, weight, call);
    } else {
        *out = call();
        noteUnrecordedAllocation(*out);
    }
    return true;
}

// Under sampling only sampled blocks' releases are recorded. Returns true if it handled it.
template <class Call>
inline bool freeUnderSampling(format::AllocatorKind kind, void* p, Call&& call)
{
    if (!samplingEnabled()) return false;
    if (g_sampledBlocks.remove(reinterpret_cast<uintptr_t>(p))) {
        noteSampledRelease(p);
        if (ThreadRing* ring = currentRing()) pushRelease(*ring, kind, p);
    }
    call();
    return true;
}

// Sampling or paused: the release part (if recorded) then the allocation part (if sampled).
// A failed resize of a sampled block drops it from the set (its later free goes unrecorded).
template <class Call>
inline bool reallocUnderControl(format::AllocatorKind kind, void* old, const size_t& size, Call&& call, void** out)
{
    const bool paused = allocationsPaused();
    if (!paused && !samplingEnabled()) return false;
    const bool releaseRecorded =
        old && (samplingEnabled() ? g_sampledBlocks.remove(reinterpret_cast<uintptr_t>(old)) : true);
    if (releaseRecorded) {
        noteSampledRelease(old);
        if (ThreadRing* ring = currentRing()) pushRelease(*ring, format::AllocatorKind::Free, old);
    }
    void* p = call();
    *out = p;
    uint64_t weight = 0;
    if (p && !paused && samplingEnabled() && takeSample(size, weight)) {
        if (!g_sampledBlocks.insert(reinterpret_cast<uintptr_t>(p))) requestStop("the sampled-block table is full");
        ThreadRing* ring = currentRing();
        if (!ring) return true;
        pushAllocation(*ring, kind, p, size, captureStack(*ring), weight);
        t_latestSampledBlock = reinterpret_cast<uintptr_t>(p);
    } else if (!paused && samplingEnabled()) {
        noteUnrecordedAllocation(p);
    }
    return true;
}

}  // namespace memtrace::shim
