// Runtime control of a capture: pause, resume and markers (docs/CONTROL.md). Requests come
// from the program (include/memtrace/api.h -> the exported memtrace_shim_* functions) or from
// outside (`memtrace ctl`, control_channel.h); both end in applyControl().
//
// While paused, allocations (malloc family, new, mmap) are not recorded; releases still are,
// so blocks allocated before the pause are still seen to die (the reader ignores releases of
// blocks it never saw allocated). mremap and munmap are always recorded.
#pragma once

#include <atomic>
#include <cstddef>

namespace memtrace::shim {

extern constinit std::atomic<bool> g_paused;

// Hook-reachable: one relaxed load.
inline bool allocationsPaused() { return g_paused.load(std::memory_order_relaxed); }

enum class ControlRequest { Pause, Resume, Mark };

inline constexpr size_t kMaxMarkerLabel = 255;  // longer labels are cut

// Emits every event stamped before now, then the Pause/Resume/Marker record at now, so it sits
// in time order among the events. Takes the drain lock and sets the guard; never allocates.
// Pause when paused and resume when running change nothing and write nothing. Returns false if
// the capture is not active.
bool applyControl(ControlRequest request, const char* label);
// The same with the drain lock already held (the control channel).
bool applyControlLocked(ControlRequest request, const char* label);

// Init, before the writer thread starts: --start-paused writes a Pause record first.
void initControl(bool startPaused);

// Followed fork child, right after its capture started: a paused parent's child starts paused.
void announcePauseInChild();

}  // namespace memtrace::shim
