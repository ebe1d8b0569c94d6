// Signal-disposition hooks: for the signals the shim covers with its end-of-capture handler,
// the program sees and sets its own view of their disposition (fatal_signals.h). glibc's
// aliases are hooked too: __sigaction, and signal's BSD (bsd_signal, ssignal) and System V
// (sysv_signal, __sysv_signal, what `signal` means in a strict ISO C build) forms. sigset is
// not: a handler it installs simply replaces ours, which fatal_signals.cpp notices.
#include <signal.h>

#include "fatal_signals.h"
#include "hook_support.h"
#include "real_functions.h"

using namespace memtrace::shim;

namespace {

__sighandler_t bsdSignal(int sig, __sighandler_t handler) { return real().signal(sig, handler); }

__sighandler_t sysvSignal(int sig, __sighandler_t handler)
{
    if (auto fn = real().sysvSignal) return fn(sig, handler);
    struct sigaction act = {};  // glibc's sysv_signal
    act.sa_handler = handler;
    act.sa_flags = SA_RESETHAND | SA_NODEFER;
    struct sigaction old = {};
    if (real().sigaction(sig, &act, &old) != 0) return SIG_ERR;
    return old.sa_handler;
}

// The BSD form: restarted system calls, the signal masked while its handler runs.
__sighandler_t bsdHook(int sig, __sighandler_t handler) { return virtualSignal(sig, handler, SA_RESTART, true, bsdSignal); }

// The System V form: the handler is reset when it runs, and the signal is not masked.
__sighandler_t sysvHook(int sig, __sighandler_t handler)
{
    return virtualSignal(sig, handler, SA_RESETHAND | SA_NODEFER, false, sysvSignal);
}

}  // namespace

MEMTRACE_EXPORT int sigaction(int sig, const struct sigaction* act, struct sigaction* oldact) noexcept
{
    return virtualSigaction(sig, act, oldact);
}

MEMTRACE_EXPORT int __sigaction(int sig, const struct sigaction* act, struct sigaction* oldact) noexcept
{
    return virtualSigaction(sig, act, oldact);
}

MEMTRACE_EXPORT __sighandler_t signal(int sig, __sighandler_t handler) noexcept { return bsdHook(sig, handler); }
MEMTRACE_EXPORT __sighandler_t bsd_signal(int sig, __sighandler_t handler) noexcept { return bsdHook(sig, handler); }
MEMTRACE_EXPORT __sighandler_t ssignal(int sig, __sighandler_t handler) noexcept { return bsdHook(sig, handler); }
MEMTRACE_EXPORT __sighandler_t sysv_signal(int sig, __sighandler_t handler) noexcept { return sysvHook(sig, handler); }
MEMTRACE_EXPORT __sighandler_t __sysv_signal(int sig, __sighandler_t handler) noexcept { return sysvHook(sig, handler); }
