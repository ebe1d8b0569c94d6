// The writer thread and the synchronous drains. The thread sleeps on a futex for
// min(flush interval, RSS interval) or until a producer wakes it, then drains under the drain
// lock. It runs with every signal blocked and the reentrancy guard set for its whole life, so
// nothing it does (zstd, dl_iterate_phdr, write) is ever recorded.
#pragma once

#include "capture_writer.h"
#include "drain_lock.h"

namespace memtrace::shim {

extern constinit DrainLock g_drainLock;
extern constinit CaptureWriter g_writer;

// Starts the thread (the shim's constructor, or a followed fork child). Returns false if
// pthread_create fails. Never from a hook: see shim_state.h, finishStartUp.
bool startWriterThread();

// Whether startWriterThread has succeeded in this process. Hook-reachable (one load).
bool writerThreadStarted();

// Stops the writer thread and waits for it to end (hooks_namespace.cpp: joining a user
// namespace needs a single-threaded process); startWriterThread starts it again. The rings
// keep filling meanwhile. False if it was not running or could not be joined.
bool pauseWriterThread();

// Hook-reachable: one atomic increment and a futex wake. No lock, no allocation.
void wakeWriter();

// Hook-reachable, called by a producer whose ring is full (event_recorder.cpp): if no drain
// is running, drains the rings' events on this thread (CaptureWriter::drainEventsOnly) and
// returns true. With as many busy program threads as cores, the woken writer thread waits for
// a core (the scheduler keeps it on the one it last ran on) while this thread would sleep and
// leave its own core idle: on a 2-core machine, ~15% of one core in alloc_bench 2 1000000.
// The caller holds the reentrancy guard, so nothing it does here is recorded.
bool helpDrain();

// Drains on the calling thread (dlclose: emits every stack taken so far against the current
// module map). Takes the drain lock; sets the guard.
void drainNow();

}  // namespace memtrace::shim
