// The shim's lifecycle and the process-wide objects every part shares.
//
//   Uninitialized --init--> Active --exit/_exit--> Finished
//                      \       \--exec--> Suspended --exec failed--> Active
//                       \       \--write error / stop--> Disabled
//                        \--no MEMTRACE_OUTPUT, not our pid, init failure--> Disabled
//
// Hooks record only while Active; in every other state they forward to the real function.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>

#include "config.h"
#include "memtrace/format.h"
#include "process_info.h"
#include "stack_table.h"
#include "thread_ring.h"

namespace memtrace::shim {

enum class ShimState : uint32_t { Uninitialized, Initializing, Active, Suspended, Finished, Disabled };

extern constinit std::atomic<ShimState> g_state;
extern constinit Config g_config;
extern constinit ProcessFacts g_facts;
extern constinit StackTable g_stacks;
extern constinit RingRegistry g_rings;
extern constinit std::atomic<uint64_t> g_eventsLost;
extern constinit std::atomic<uint64_t> g_ringFullWaits;  // pushes that found their ring full (End)
extern constinit uint64_t g_startNs;     // capture start (CLOCK_MONOTONIC ns)
extern constinit uint64_t g_startTicks;  // the same instant in event ticks (clock.h); event times are relative to it
extern constinit pid_t g_pid;         // this process, refreshed in a fork child

inline bool isActive() { return g_state.load(std::memory_order_relaxed) == ShimState::Active; }

// Recording, or its capture being ended by another thread: an exit must still write or wait.
// Otherwise (stopped, never started) exit paths make no system call: a sandbox may refuse it.
inline bool captureOpenOrEnding()
{
    const ShimState state = g_state.load(std::memory_order_acquire);
    return state == ShimState::Active || state == ShimState::Finished;
}

// Hook entry check: true if this event should be recorded. Runs the lazy initialisation on the
// first call. Hook-reachable; no allocation of its own, no lock.
bool recordingEnabled();

// True in a process made by a raw clone (glibc's clone(), or the clone system call: no fork
// handlers ran). It holds a copy of the shim's state but no writer thread, and shares its
// parent's capture file and drain lock as they were: it must neither write, nor wait for a
// writer, nor take that lock. The slow paths that would ask (a getpid system call); the first
// to find it turns tracking off in that process, quietly, as for any fork child that is not
// followed. Hook-reachable.
bool inRawCloneChild();

// Initialisation up to recording (environment, capture file, stack table): called by the
// load-time constructor and lazily by the first hook. Runs once; sets the reentrancy guard
// itself. The rest (fork handlers, control channel, writer thread) is finishStartUp's, which
// only the constructor calls; until then a thread whose ring is full drains it itself
// (event_recorder.cpp).
void initialize();
void finishStartUp();

// Ends the capture: final drain of everything committed, End(reason), last chunk, close.
// Afterwards hooks only forward. Safe to call more than once (later calls do nothing).
void finishCapture(format::EndReason reason);

// A fatal signal's end of the capture (fatal_signals.h): as finishCapture with
// End(FatalSignal), but it waits at most ~2 s for the drain lock, and not at all if the signal
// interrupted this thread's own drain (it holds that lock itself). If it cannot have
// the lock the capture stays as the writer left it: cut, readable up to its last chunk. Only
// in the process that owns the capture (not in a vfork or raw clone child).
void finishCaptureOnSignal();

// exec: writes everything and End(Exec) and keeps the writer stopped; returns false if the
// capture was not active. If the exec fails, resumeAfterFailedExec() continues the capture.
bool suspendForExec();
void resumeAfterFailedExec();

// Stops tracking from anywhere (e.g. the stack table is full). Hook-reachable: only stores the
// reason and wakes the writer, which writes TrackingStopped + End(Stopped) and prints the line.
void requestStop(const char* reason);

// Writer side of a stop: called with the drain lock held.
void stopTrackingNow(const char* reason);
const char* takeStopRequest();

// The capture cannot be written any more (write error, fd taken over): prints the one-line
// message and disables the shim. Called by the writer with the drain lock held.
void onCaptureFailed(const char* reason, uint64_t writtenUpToUs);

void printNotTracking(const char* reason);

}  // namespace memtrace::shim
