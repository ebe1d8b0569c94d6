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

// Starts the thread (init, or a followed fork child). Returns false if pthread_create fails.
bool startWriterThread();

// Hook-reachable: one atomic increment and a futex wake. No lock, no allocation.
void wakeWriter();

// Drains on the calling thread (dlclose: emits every stack taken so far against the current
// module map). Takes the drain lock; sets the guard.
void drainNow();

}  // namespace memtrace::shim
