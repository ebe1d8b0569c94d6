#include "shim_state.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "control_channel.h"
#include "event_recorder.h"
#include "exit_status.h"
#include "fatal_signals.h"
#include "hidden_environment.h"
#include "real_functions.h"
#include "reentrancy_guard.h"
#include "sampled_blocks.h"
#include "sampling.h"
#include "sys_memory.h"
#include "text_buffer.h"
#include "unwinder.h"
#include "writer_thread.h"

namespace memtrace::shim {

__thread int t_inShim __attribute__((tls_model("initial-exec"))) = 0;

constinit std::atomic<ShimState> g_state{ShimState::Uninitialized};
constinit Config g_config;
constinit ProcessFacts g_facts;
constinit StackTable g_stacks;
constinit RingRegistry g_rings;
constinit std::atomic<uint64_t> g_eventsLost{0};
constinit std::atomic<uint64_t> g_ringFullWaits{0};
constinit uint64_t g_startNs = 0;
constinit uint64_t g_startTicks = 0;
constinit pid_t g_pid = 0;

void installForkHandlers();  // fork_handlers.cpp
static void onQuickExit();

namespace {

constinit std::atomic<const char*> g_stopRequest{nullptr};

void disable(const char* reason)
{
    if (reason) printNotTracking(reason);
    g_state.store(ShimState::Disabled, std::memory_order_release);
}

// Creates this image's capture file. A followed non-root process whose name is taken (an
// earlier image of the same pid) falls back to the ".exec<N>" name.
bool openCapture(const char** error)
{
    char path[kPathMax];
    for (const bool alternate : {false, true}) {
        if (!captureFilePath(g_config, g_pid, g_facts.exePath, alternate, path, sizeof path)) {
            *error = nullptr;  // not ours to trace: stay quiet
            return false;
        }
        if (g_writer.startCapture(path, g_facts, g_startNs, g_startTicks, error)) return true;
        const int cause = errno;
        const bool isRoot = g_config.rootPid < 0 || g_config.rootPid == g_pid;
        if (cause == EEXIST && !isRoot && g_config.execGeneration > 0 && !alternate) continue;
        // "cannot create the capture file /x/y.mtrace (EEXIST)": static, init is single-threaded.
        static char reason[kPathMax + 128];
        TextBuffer text(reason, sizeof reason);
        const char* name = strerrorname_np(cause);
        text.add(*error).add(" ").add(path).add(" (").add(name ? name : "?").add(")");
        *error = reason;
        return false;
    }
    return false;
}

}  // namespace

void printNotTracking(const char* reason)
{
    char line[512];
    TextBuffer text(line, sizeof line);
    text.add("memtrace: not tracking: ").add(reason).add("\n");
    printLine(line);
}

void printLine(const char* text)
{
    size_t n = 0;
    while (text[n]) ++n;
    while (n > 0) {
        const ssize_t w = ::write(2, text, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        text += w;
        n -= static_cast<size_t>(w);
    }
}

bool recordingEnabled()
{
    const ShimState state = g_state.load(std::memory_order_relaxed);
    if (state == ShimState::Active) return true;
    if (state != ShimState::Uninitialized) return false;
    initialize();
    return isActive();
}

void initialize()
{
    ShimState expected = ShimState::Uninitialized;
    if (!g_state.compare_exchange_strong(expected, ShimState::Initializing, std::memory_order_acq_rel)) return;
    ShimScope guard;
    real();
    if (!allRequiredFound()) return disable("some libc functions could not be found with dlsym");
    readConfig(g_config);
    if (!g_config.hasOutput) return disable(nullptr);
    g_pid = getpid();
    const bool isRoot = g_config.rootPid < 0 || g_config.rootPid == g_pid;
    if (!isRoot && !g_config.followFork) return disable(nullptr);
    // Valgrind's tools replace malloc in the program they run (their vgpreload_ objects): the
    // shim would record nothing, and its writer thread, never joined, would be one more
    // "possibly lost" block in memcheck's report, which changes valgrind's exit status.
    if (const char* preload = getenv("LD_PRELOAD"); preload && strstr(preload, "/vgpreload_"))
        return disable("the program runs under valgrind, whose tool replaces malloc");

    collectProcessFacts(g_facts, g_config);
    if (g_facts.foreignMalloc[0]) {
        char line[kPathMax + 256];
        TextBuffer text(line, sizeof line);
        text.add("memtrace: the program's malloc is its own (").add(g_facts.foreignMalloc);
        text.add("): its allocations are not recorded, only its mmap, munmap and mremap calls\n");
        printLine(line);
    }
    initUnwinder(g_config.unwind, g_config.maxDepth);
    // At most 1/16 of an address-space limit (ulimit -v) goes to the stack table.
    if (!g_stacks.initWithin(addressSpaceLimit() / 16)) return disable("cannot map the stack table");
    if (!createRingKey()) return disable("pthread_key_create failed");
    if (!g_writer.init()) return disable("cannot set up the capture buffers");
    if (g_config.sampleRate && !g_sampledBlocks.init()) return disable("cannot map the sampled-block table");
    initSampling(g_config.sampleRate, g_config.sampleSeed, g_config.sampleSeeded);
    initTickClock();
    g_startNs = nowNs();
    g_startTicks = eventTicks();
    g_facts.startUnixNs = realtimeNs();
    const char* error = nullptr;
    if (!openCapture(&error)) return disable(error);
    initControl(g_config.startPaused);
    g_state.store(ShimState::Active, std::memory_order_release);
}

// What initialize() leaves to the constructor: none of it may run inside whatever libc call
// the first hook interrupted. gdb under memtrace hung on the setlocale lock: a library
// constructor's newlocale allocated while holding it as writer, that malloc started the shim,
// and the dlerror() that consumed dlsym's misses took it as reader - glibc answers EDEADLK
// there and the matching unlock released newlocale's hold, so newlocale's own unlock later
// drove the reader count below zero. Likewise pthread_atfork's lock, at_quick_exit's, and the
// writer thread. The constructor runs between library constructors, inside none of them.
void finishStartUp()
{
    if (!isActive() || writerThreadStarted()) return;
    ShimScope guard;
    consumeResolutionErrors();
    openControlChannel();
    installForkHandlers();
    // quick_exit runs the at_quick_exit handlers and then exits past every hook of ours
    // (glibc calls its internal _exit): ours, registered first, runs after the program's.
    at_quick_exit(onQuickExit);
    if (!startWriterThread()) {
        stopTrackingNow("cannot start the writer thread");
        return;
    }
    if (g_config.signalHandlers) installFatalSignalHandlers();
    hideShimEnvironment();  // the configuration is read: the program sees its own environment
}

bool inRawCloneChild()
{
    if (g_pid == 0 || getpid() == g_pid) return false;
    g_state.store(ShimState::Disabled, std::memory_order_release);
    return true;
}

// 1 while a thread ends the capture for a fatal signal, 2 once it has.
static constinit std::atomic<int> g_endingOnSignal{0};

// Takes the drain lock within `ms` milliseconds, polling (nanosleep is async-signal-safe).
static bool lockDrainWithin(int ms)
{
    for (int waited = 0;; ++waited) {
        if (g_drainLock.tryLock()) return true;
        if (waited >= ms) return false;
        const timespec oneMs = {0, 1000000};
        nanosleep(&oneMs, nullptr);
    }
}

// Asynchronous signals wait on this thread while it writes the end of the capture (exit,
// _exit, quick_exit): a SIGTERM handled in the middle of that drain found the drain lock held
// by its own thread and let the process die with the capture cut (a multiprocessing pool
// terminating workers that were already in _exit, 5 runs in 10). Restored afterwards, so a
// signal that came meanwhile is delivered then, as if it had come a few ms later. Faults stay
// unblocked: they cannot wait.
class AsyncSignalsDeferred {
public:
    AsyncSignalsDeferred()
    {
        sigset_t all;
        sigfillset(&all);
        for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS}) sigdelset(&all, fault);
        m_restore = pthread_sigmask(SIG_BLOCK, &all, &m_saved) == 0;
    }
    ~AsyncSignalsDeferred()
    {
        if (m_restore) pthread_sigmask(SIG_SETMASK, &m_saved, nullptr);
    }
    AsyncSignalsDeferred(const AsyncSignalsDeferred&) = delete;
    AsyncSignalsDeferred& operator=(const AsyncSignalsDeferred&) = delete;

private:
    sigset_t m_saved;
    bool m_restore = false;
};

void finishCapture(format::EndReason reason)
{
    if (!captureOpenOrEnding()) return;
    if (inRawCloneChild()) return;  // the parent's capture is not this process's to end
    if (g_state.load(std::memory_order_acquire) == ShimState::Active && !g_drainLock.heldByThisThread()) {
        ShimScope guard;
        bool ended = false;
        {
            AsyncSignalsDeferred deferred;
            // The lock before the state: a thread whose signal handler sees Finished waits for
            // this lock, so by then it must be ours (else it got it first and let the signal
            // kill the process before we wrote anything).
            DrainLockScope lock(g_drainLock);
            ShimState expected = ShimState::Active;
            ended = g_state.compare_exchange_strong(expected, ShimState::Finished, std::memory_order_acq_rel);
            if (ended) {
                g_writer.drain(DrainMode::Final);
                writeUnwatchedExitStatus(g_writer);
                g_writer.writeEnd(reason);
                g_writer.flush();
                g_writer.close();
            }
        }
        if (ended) {
            wakeWriter();  // it sees Finished and leaves
            return;
        }
    }
    // Another thread may be ending the capture (a fatal signal): exiting now would cut its
    // writing short. Wait for it to finish (bounded).
    if (g_state.load(std::memory_order_acquire) != ShimState::Finished || g_drainLock.heldByThisThread()) return;
    for (int waited = 0; g_endingOnSignal.load(std::memory_order_acquire) == 1 && waited < 3000; ++waited) {
        const timespec oneMs = {0, 1000000};
        nanosleep(&oneMs, nullptr);
    }
    if (lockDrainWithin(2000)) g_drainLock.unlock();
}

void finishCaptureOnSignal()
{
    if (g_pid == 0 || getpid() != g_pid) return;  // shares the memory or the file of the capture's owner
    if (g_drainLock.heldByThisThread()) return;    // interrupted its own drain: it can never have the lock
    int none = 0;
    if (!g_endingOnSignal.compare_exchange_strong(none, 1, std::memory_order_acq_rel)) {
        // Two threads dying at once: the second must not kill the process while the first is
        // still writing (bounded: the first waits at most 2 s for the lock).
        for (int waited = 0; g_endingOnSignal.load(std::memory_order_acquire) == 1 && waited < 3000; ++waited) {
            const timespec oneMs = {0, 1000000};
            nanosleep(&oneMs, nullptr);
        }
        return;
    }
    ShimState expected = ShimState::Active;
    if (!g_state.compare_exchange_strong(expected, ShimState::Finished, std::memory_order_acq_rel)) {
        // Another thread may be writing the end of the capture (finishCapture, exit path): it
        // holds the drain lock until the file is complete. Die only after that (bounded).
        if (expected == ShimState::Finished && lockDrainWithin(2000)) g_drainLock.unlock();
        g_endingOnSignal.store(2, std::memory_order_release);
        return;
    }
    ShimScope guard;
    if (lockDrainWithin(2000)) {
        g_writer.drain(DrainMode::Final);
        writeUnwatchedExitStatus(g_writer);
        g_writer.writeEnd(format::EndReason::FatalSignal);
        g_writer.flush();
        g_writer.close();
        g_drainLock.unlock();
    }
    g_endingOnSignal.store(2, std::memory_order_release);
}

bool suspendForExec()
{
    ShimState expected = ShimState::Active;
    if (!g_state.compare_exchange_strong(expected, ShimState::Suspended, std::memory_order_acq_rel)) return false;
    ShimScope guard;
    g_drainLock.lock();  // held across the exec: the writer thread must not write after End
    g_writer.drain(DrainMode::Final);
    g_writer.writeEnd(format::EndReason::Exec);
    g_writer.flush();
    return true;
}

void resumeAfterFailedExec()
{
    ShimState expected = ShimState::Suspended;
    g_state.compare_exchange_strong(expected, ShimState::Active, std::memory_order_acq_rel);
    g_drainLock.unlock();
}

void requestStop(const char* reason)
{
    const char* none = nullptr;
    g_stopRequest.compare_exchange_strong(none, reason, std::memory_order_acq_rel);
    wakeWriter();
}

const char* takeStopRequest() { return g_stopRequest.exchange(nullptr, std::memory_order_acq_rel); }

void stopTrackingNow(const char* reason)
{
    ShimState expected = ShimState::Active;
    if (!g_state.compare_exchange_strong(expected, ShimState::Disabled, std::memory_order_acq_rel)) return;
    g_writer.drain(DrainMode::Final);
    g_writer.writeTrackingStopped(reason);
    g_writer.writeEnd(format::EndReason::Stopped);
    const bool written = g_writer.flush();
    g_writer.close();
    if (written) {
        char line[512];
        TextBuffer text(line, sizeof line);
        text.add("memtrace: stopped tracking: ").add(reason).add("; the capture holds events up to ");
        text.addSeconds(g_writer.writtenUpToUs()).add(" s\n");
        printLine(line);
    }
}

void onCaptureFailed(const char* reason, uint64_t writtenUpToUs)
{
    g_state.store(ShimState::Disabled, std::memory_order_release);
    char line[512];
    TextBuffer text(line, sizeof line);
    text.add("memtrace: stopped tracking: ").add(reason).add("; the capture holds events up to ");
    text.addSeconds(writtenUpToUs).add(" s\n");
    printLine(line);
}

// Load-time entry points. The constructor runs before the program's own constructors (the
// preloaded object is initialised before the executable); a hook called even earlier (by a
// library constructor) initialises lazily. The destructor runs after the program's static
// destructors and atexit handlers, so their frees are recorded.
static void onQuickExit() { finishCapture(format::EndReason::QuickExit); }
__attribute__((constructor(101))) static void onLoad()
{
    initialize();
    finishStartUp();
}
__attribute__((destructor(101))) static void onUnload() { finishCapture(format::EndReason::Exit); }

}  // namespace memtrace::shim
