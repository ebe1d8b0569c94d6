#include "exit_status.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "capture_writer.h"
#include "config.h"
#include "reentrancy_guard.h"
#include "shim_state.h"

namespace memtrace::shim {
namespace {

// 0: unknown; else bit 8 = killed by a signal, bits 0-7 = the exit code or the signal, plus
// bit 16 set so that "exited 0" is not 0.
constexpr uint32_t kKnown = 1u << 16;
constexpr uint32_t kSignaled = 1u << 8;
constinit std::atomic<uint32_t> g_exitStatus{0};

// Not while inactive: after the shim stopped for a sandbox, getpid may be refused.
bool isUs() { return isActive() && g_pid != 0 && getpid() == g_pid; }

void onExit(int status, void*) { noteExitCode(status); }

}  // namespace

void noteExitCode(int status)
{
    if (isUs()) g_exitStatus.store(kKnown | (static_cast<uint32_t>(status) & 0xff), std::memory_order_relaxed);
}

void noteKilledBy(int signal)
{
    if (isUs()) g_exitStatus.store(kKnown | kSignaled | (static_cast<uint32_t>(signal) & 0xff), std::memory_order_relaxed);
}

void watchExitFromMain()
{
    // on_exit may allocate its list's next block: not the program's allocation.
    ShimScope guard;
    on_exit(onExit, nullptr);
}

void writeUnwatchedExitStatus(CaptureWriter& writer)
{
    const uint32_t status = g_exitStatus.load(std::memory_order_relaxed);
    const bool watched = g_config.rootPid > 0 && g_config.rootPid == g_pid;  // memtrace run's own child
    if (status == 0 || watched) return;
    writer.writeExitStatus((status & kSignaled) ? format::ExitKind::Signaled : format::ExitKind::Exited, status & 0xff);
}

}  // namespace memtrace::shim
