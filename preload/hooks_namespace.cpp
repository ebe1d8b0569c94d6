// unshare and setns: entering a new user namespace needs a single-threaded process (the kernel
// answers EINVAL otherwise), and the shim's writer thread made every traced program a
// multi-threaded one: `unshare -U` failed under memtrace (the sweep of session 20). When such a
// call fails with EINVAL while the writer runs, the writer is stopped, the call is made again,
// and the writer is started again, in the new namespace. A program that has threads of its own
// gets its EINVAL as it would untracked (the retry fails alike). The capture's descriptors stay
// open across the change, so the new credentials do not matter to it.
#include <errno.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hook_support.h"
#include "reentrancy_guard.h"
#include "shim_state.h"
#include "writer_thread.h"

namespace memtrace::shim {
namespace {

// `call` once more with the writer thread stopped. The writer's exit wakes pthread_join a
// moment before the kernel removes it from the thread group, so an EINVAL is retried briefly.
template <class Call>
long withoutWriterThread(Call&& call)
{
    const int callErrno = errno;
    if (t_inShim || getpid() != g_pid || !isActive()) {
        errno = callErrno;
        return -1;
    }
    ShimScope guard;  // pthread_join and pthread_create allocate: not recorded
    if (!pauseWriterThread()) {
        errno = callErrno;
        return -1;
    }
    long rc = -1;
    for (int attempt = 0; attempt < 200; ++attempt) {
        rc = call();
        if (rc == 0 || errno != EINVAL) break;
        const timespec wait = {0, 100000};
        nanosleep(&wait, nullptr);
    }
    const int result = errno;
    if (!startWriterThread()) stopTrackingNow("cannot restart the writer thread after a namespace change");
    errno = result;
    return rc;
}

}  // namespace
}  // namespace memtrace::shim

using namespace memtrace::shim;

MEMTRACE_EXPORT int unshare(int flags) noexcept
{
    const long rc = syscall(SYS_unshare, flags);  // all glibc's unshare does
    if (rc == 0 || errno != EINVAL || (flags & CLONE_NEWUSER) == 0) return static_cast<int>(rc);
    return static_cast<int>(withoutWriterThread([&] { return syscall(SYS_unshare, flags); }));
}

MEMTRACE_EXPORT int setns(int fd, int nstype) noexcept
{
    const long rc = syscall(SYS_setns, fd, nstype);
    if (rc == 0 || errno != EINVAL || (nstype != 0 && (nstype & CLONE_NEWUSER) == 0)) return static_cast<int>(rc);
    return static_cast<int>(withoutWriterThread([&] { return syscall(SYS_setns, fd, nstype); }));
}
