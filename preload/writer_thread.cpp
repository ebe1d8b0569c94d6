#include "writer_thread.h"

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <atomic>

#include "clock.h"
#include "control_channel.h"
#include "futex.h"
#include "reentrancy_guard.h"
#include "sampled_blocks.h"
#include "sampling.h"
#include "shim_state.h"

namespace memtrace::shim {

constinit DrainLock g_drainLock;
constinit CaptureWriter g_writer;

namespace {

constinit std::atomic<uint32_t> g_wakeWord{0};
constinit std::atomic<bool> g_pauseRequested{false};  // pauseWriterThread

void* writerMain(void*)
{
    t_inShim = 1;  // forever: this thread's own calls are never recorded
    syscall(SYS_prctl, PR_SET_NAME, "memtrace-writer", 0, 0, 0);
    const uint32_t intervalMs =
        g_config.rssIntervalMs < g_config.flushIntervalMs ? g_config.rssIntervalMs : g_config.flushIntervalMs;
    bool compressing = false;  // read under the drain lock: a producer's helpDrain may seal a chunk
    for (;;) {
        // A chunk half compressed: no sleep, a drain between slices (capture_writer.h).
        if (!compressing) {
            const uint32_t seen = g_wakeWord.load(std::memory_order_acquire);
            futexWait(g_wakeWord, seen, uint64_t{intervalMs} * 1000000ull);
        }
        if (g_pauseRequested.load(std::memory_order_acquire)) return nullptr;  // keeps the control channel
        pollControlChannel();  // `memtrace ctl` requests; takes the drain lock per request
        DrainLockScope lock(g_drainLock);
        const ShimState state = g_state.load(std::memory_order_acquire);
        if (state == ShimState::Finished || state == ShimState::Disabled) break;
        if (state != ShimState::Active) continue;
        if (const char* reason = takeStopRequest()) {
            stopTrackingNow(reason);
            break;
        }
        g_writer.drain(DrainMode::Periodic);
        g_writer.maybeFlush(nowNs());
        g_writer.compressSlice(kCompressionSliceBytes);
        if (samplingEnabled()) g_sampledBlocks.maintain();
        compressing = g_writer.compressing();
    }
    closeControlChannel();
    return nullptr;
}

}  // namespace

namespace {
constinit std::atomic<bool> g_writerStarted{false};
constinit pthread_t g_writerThread{};
}  // namespace

bool writerThreadStarted() { return g_writerStarted.load(std::memory_order_acquire); }

bool startWriterThread()
{
    // Block every signal while creating the thread so it inherits a full mask: the program's
    // handlers never run on it. The creating thread's mask is restored right after.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    // Joinable, for pauseWriterThread; at exit nobody joins it, which costs nothing.
    const bool ok = pthread_create(&g_writerThread, nullptr, writerMain, nullptr) == 0;
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (ok) g_writerStarted.store(true, std::memory_order_release);
    return ok;
}

bool pauseWriterThread()
{
    if (!g_writerStarted.load(std::memory_order_acquire)) return false;
    g_pauseRequested.store(true, std::memory_order_release);
    wakeWriter();
    const bool joined = pthread_join(g_writerThread, nullptr) == 0;
    g_pauseRequested.store(false, std::memory_order_release);
    if (joined) g_writerStarted.store(false, std::memory_order_release);
    return joined;
}

void wakeWriter()
{
    g_wakeWord.fetch_add(1, std::memory_order_release);
    futexWakeAll(g_wakeWord);
}

bool helpDrain()
{
    if (!g_drainLock.tryLock()) return false;
    const bool drained = g_state.load(std::memory_order_acquire) == ShimState::Active && g_writer.drainEventsOnly();
    g_drainLock.unlock();
    return drained;
}

void drainNow()
{
    ShimScope guard;
    DrainLockScope lock(g_drainLock);
    if (g_state.load(std::memory_order_acquire) == ShimState::Active) g_writer.drain(DrainMode::Periodic);
}

}  // namespace memtrace::shim
