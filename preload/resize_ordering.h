// Merge keys for resizes. A moving realloc/mremap both obtains a new block and releases the
// old one somewhere inside the real call [ts, ts2], at instants we do not observe (glibc and
// jemalloc obtain the new block first, copy, then release the old one). Two kinds of events
// on other threads can fall inside that window:
//
//   (a) a release F of the NEW address (it had to happen before the resize could obtain it):
//       F must be emitted before the resize;
//   (b) an allocation B of the OLD address (possible only after the resize released it):
//       B must be emitted after the resize.
//
// F.ts < obtain <= release < B.ts, so a key in (F.ts, B.ts) is right for both. The writer:
//   - keys a resize by ts (its release time): that orders (b);
//   - emits a moving resize only once ts2 < S (the drain's start): every release committed
//     before it obtained the new block (a free commits before the real free) is then in the
//     drain's snapshot;
//   - if a pending release of the new address lies in (ts, ts2), re-keys the resize to just
//     after it: that orders (a), and keeps (b) after it since B.ts > obtain > F.ts.
// realloc(NULL, n) is a pure allocation and is keyed by ts2, like malloc.
// (b) is held back from earlier drains by the in-flight mark (thread_ring.h).
#pragma once

#include <cstdint>

#include "raw_event.h"

namespace memtrace::shim {

inline bool isMovingResize(const RawEvent& ev)
{
    return (ev.type == EventType::Realloc && ev.oldAddr != 0 && ev.addr != 0 && ev.addr != ev.oldAddr) ||
           (ev.type == EventType::Mremap && ev.addr != ev.oldAddr);
}

// The key a ring's head event enters the merge with.
inline uint64_t initialMergeKey(const RawEvent& ev)
{
    if (ev.type == EventType::Realloc && ev.oldAddr == 0) return ev.ts2;
    return ev.ts;
}

// Does `other` release memory that `resize` obtains?
inline bool releasesObtained(const RawEvent& other, const RawEvent& resize)
{
    const uint64_t lo = resize.addr;
    const uint64_t hi = resize.type == EventType::Mremap ? resize.addr + resize.size : resize.addr + 1;
    switch (other.type) {
    case EventType::Free: return other.addr >= lo && other.addr < hi;
    case EventType::Realloc: return other.oldAddr != other.addr && other.oldAddr >= lo && other.oldAddr < hi;
    case EventType::Munmap: return other.addr < hi && other.addr + other.size > lo;
    case EventType::Mremap: return other.oldAddr != other.addr && other.oldAddr < hi && other.oldAddr + other.aux > lo;
    default: return false;
    }
}

}  // namespace memtrace::shim
