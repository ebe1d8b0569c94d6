#include "sandbox_guard.h"

#include <unistd.h>

#include "drain_lock.h"
#include "fatal_signals.h"
#include "reentrancy_guard.h"
#include "seccomp_filter.h"
#include "shim_state.h"
#include "writer_thread.h"

namespace memtrace::shim {

void beforeSeccomp(bool strictMode, const sock_fprog* filter)
{
    if (t_inShim || !isActive() || getpid() != g_pid) return;
    if (!strictMode && seccompFilterAllowsShim(filter)) return;
    ShimScope guard;    // pthread_join may allocate: not recorded
    pauseWriterThread();  // no shim thread is left to meet the filter (SECCOMP_FILTER_FLAG_TSYNC)
    {
        DrainLockScope lock(g_drainLock);
        stopTrackingNow("the program installs a seccomp filter that would refuse the shim's system calls");
    }
    removeFatalSignalHandlers();
}

}  // namespace memtrace::shim
