// fork: pthread_atfork handlers.
//
// prepare (parent, before fork): takes the drain lock so the child never inherits a writer
//   caught mid-drain (half-written chunk, zstd context in use), and sets the guard so nothing
//   this thread does around fork is recorded (a ring-full wait here would deadlock: the writer
//   needs the lock we hold).
// parent: releases both.
// child:  only the forking thread exists. Without follow-fork, the child stops recording and
//   closes its copy of our descriptor (never writing to the parent's file). With follow-fork
//   it starts <parent capture>.<pid>: fresh file and chunk sequence, ProcessInfo, the module
//   map and every stack again, other threads' rings discarded, and a new writer thread.
//
// No lock is taken inside any hook that records, so a fork while another thread is in a hook
// cannot leave a lock held in the child (the drain lock is re-initialised).
#include <pthread.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "control_channel.h"
#include "event_recorder.h"
#include "module_map.h"
#include "reentrancy_guard.h"
#include "sampled_blocks.h"
#include "shim_state.h"
#include "text_buffer.h"
#include "writer_thread.h"

namespace memtrace::shim {
namespace {

__thread int t_forkLocked __attribute__((tls_model("initial-exec"))) = 0;
__thread int t_guardBeforeFork __attribute__((tls_model("initial-exec"))) = 0;

void prepare()
{
    t_guardBeforeFork = t_inShim;
    t_inShim = 1;
    if (!isActive() || inRawCloneChild()) return;  // a raw clone's copy of the lock may be held
    g_drainLock.lock();
    t_forkLocked = 1;
}

void parent()
{
    if (t_forkLocked) g_drainLock.unlock();
    t_forkLocked = 0;
    t_inShim = t_guardBeforeFork;
}

void startChildCapture()
{
    char path[kPathMax];
    TextBuffer name(path, sizeof path);
    name.add(g_writer.path()).add(".").addUnsigned(static_cast<uint64_t>(g_pid));
    g_writer.abandonInChild();
    g_rings.discardForChild(nullptr);
    g_stacks.resetForNewCapture();
    g_facts.pid = g_pid;
    g_facts.ppid = getppid();
    g_facts.startUnixNs = realtimeNs();
    g_startNs = nowNs();
    g_startTicks = eventTicks();
    g_config.execGeneration = 0;  // an exec from here starts a new chain
    const char* error = nullptr;
    if (name.overflowed() || !g_writer.startCapture(path, g_facts, g_startNs, g_startTicks, &error)) {
        g_state.store(ShimState::Disabled, std::memory_order_release);
        printNotTracking(error ? error : "fork child capture path too long");
        return;
    }
    announceThreadInChild();
    announcePauseInChild();
    openControlChannel();  // g_pid is the child's: `memtrace ctl CHILD` reaches it
    if (!startWriterThread()) {
        g_writer.close();
        g_state.store(ShimState::Disabled, std::memory_order_release);
        printNotTracking("cannot start the writer thread in the fork child");
    }
}

void child()
{
    g_pid = getpid();
    closeControlChannelInChild();  // the parent answers for the parent's pid, never this copy
    g_sampledBlocks.resetInChild();
    if (t_forkLocked) {
        t_forkLocked = 0;
        g_drainLock.resetInChild();
        if (g_config.followFork) {
            startChildCapture();
        } else {
            g_state.store(ShimState::Disabled, std::memory_order_release);
            g_writer.abandonInChild();
        }
    }
    t_inShim = t_guardBeforeFork;
}

}  // namespace

void installForkHandlers()
{
    static bool installed = false;  // once per process; a fork child inherits them
    if (!installed) installed = pthread_atfork(prepare, parent, child) == 0;
}

}  // namespace memtrace::shim
