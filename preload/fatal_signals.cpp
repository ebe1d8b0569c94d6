#include "fatal_signals.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "exit_status.h"
#include "real_functions.h"
#include "reentrancy_guard.h"
#include "shim_state.h"

namespace memtrace::shim {

namespace {

// Signals whose default action ends the process and that a program gets without asking for
// them: faults, abort, termination requests, a closed pipe or terminal. Left alone: SIGKILL and
// SIGSTOP (cannot be caught), SIGTRAP (debuggers), SIGSYS (seccomp sandboxes that trap it),
// SIGXFSZ (our own writes can raise it), and the timer and IPC signals a program sets up itself.
constexpr int kCovered[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE};

bool covers(int sig)
{
    for (const int covered : kCovered)
        if (covered == sig) return true;
    return false;
}

// Raised by the faulting instruction itself: returning from the handler runs it again.
bool isFault(int sig) { return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL; }

// What the program believes each covered signal's disposition is while our handler holds it:
// the default, with the flags and mask it last gave it. Two threads setting one signal at once
// leave one of their views, as the kernel would leave one of their dispositions. No lock: the
// hooks may run in the program's signal handlers.
constinit struct sigaction g_view[NSIG] = {};
constinit std::atomic<bool> g_installed{false};  // set once, by the constructor

// glibc's sigaction adds its signal-return trampoline to every disposition it sets, and the
// kernel reports it back: SA_RESTORER (0x04000000 on x86-64, not in glibc's headers) and the
// trampoline's address, learnt from our own installed handler.
constexpr int kRestorerFlag = 0x04000000;
using Restorer = void (*)();
constinit Restorer g_restorer = nullptr;

// A disposition as a query would report it after the real sigaction had set it.
struct sigaction asSetByGlibc(const struct sigaction& request)
{
    struct sigaction reported = request;
    if (g_restorer != nullptr) {
        reported.sa_flags |= kRestorerFlag;
        reported.sa_restorer = g_restorer;
    }
    return reported;
}

void onFatalSignal(int sig, siginfo_t* info, void* context);

bool isOurs(const struct sigaction& disposition)
{
    return (disposition.sa_flags & SA_SIGINFO) != 0 && disposition.sa_sigaction == onFatalSignal;
}

struct sigaction defaultView()
{
    struct sigaction view = {};
    view.sa_handler = SIG_DFL;
    return view;
}

// Installs our handler on `sig`, the program believing it to be `view`.
int installOurs(int sig, const struct sigaction& view)
{
    struct sigaction act = {};
    act.sa_sigaction = onFatalSignal;
    // SA_ONSTACK: a stack overflow can still end the capture if the program set up an
    // alternate stack. Everything is blocked while the capture ends.
    act.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigfillset(&act.sa_mask);
    g_view[sig] = view;
    return real().sigaction(sig, &act, nullptr);
}

// Ends the capture, puts the default back and lets the signal kill the process: a fault
// happens again when the handler returns (so a core dump shows the real fault), anything else
// is sent again to this thread, where it waits, blocked, until the handler returns.
// A signal handler that may interrupt anything, malloc's own locks included: it allocates
// nothing; it takes the drain lock, never waiting for it without a bound (finishCaptureOnSignal),
// and, as every drain, the loader's lock if the module map changed (dl_iterate_phdr; that lock
// is recursive, so a signal inside dlopen on this thread does not deadlock on it). Every signal
// is blocked while it runs (installOurs), so a fault inside it kills the process at once, with
// that fault's signal.
void onFatalSignal(int sig, siginfo_t* info, void*)
{
    const int savedErrno = errno;
    noteKilledBy(sig);  // the default action comes next: the process dies of it
    finishCaptureOnSignal();
    struct sigaction fallback = defaultView();
    real().sigaction(sig, &fallback, nullptr);
    if (!isFault(sig) || info == nullptr || info->si_code <= 0)  // <= 0: sent by kill, raise, sigqueue
        syscall(SYS_tgkill, getpid(), static_cast<pid_t>(syscall(SYS_gettid)), sig);
    errno = savedErrno;
}

bool coveredAndInstalled(int sig)
{
    return g_installed.load(std::memory_order_acquire) && sig > 0 && sig < NSIG && covers(sig);
}

}  // namespace

void installFatalSignalHandlers()
{
    ShimScope guard;
    for (const int sig : kCovered) {
        struct sigaction current = {};
        if (real().sigaction(sig, nullptr, &current) != 0) continue;
        // SIG_IGN inherited (nohup, a shell's background job) or a handler of an earlier
        // constructor: the program's own, left alone.
        if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler != SIG_DFL) continue;
        if (installOurs(sig, current) != 0) continue;  // the view: exactly what the kernel said
        struct sigaction installed = {};
        if (g_restorer == nullptr && real().sigaction(sig, nullptr, &installed) == 0 && (installed.sa_flags & kRestorerFlag) != 0)
            g_restorer = installed.sa_restorer;
    }
    g_installed.store(true, std::memory_order_release);
}

void removeFatalSignalHandlers()
{
    if (!g_installed.exchange(false, std::memory_order_acq_rel)) return;
    ShimScope guard;
    for (const int sig : kCovered) {
        struct sigaction current = {};
        if (real().sigaction(sig, nullptr, &current) == 0 && isOurs(current)) real().sigaction(sig, &g_view[sig], nullptr);
    }
}

int virtualSigaction(int sig, const struct sigaction* act, struct sigaction* oldact)
{
    if (!coveredAndInstalled(sig)) return real().sigaction(sig, act, oldact);
    ShimScope guard;
    struct sigaction current = {};
    if (real().sigaction(sig, nullptr, &current) != 0) return real().sigaction(sig, act, oldact);
    const bool ours = isOurs(current);
    const bool setsDefault = act != nullptr && (act->sa_flags & SA_SIGINFO) == 0 && act->sa_handler == SIG_DFL;
    if (!ours && !setsDefault) return real().sigaction(sig, act, oldact);
    const struct sigaction previous = ours ? g_view[sig] : current;
    if (setsDefault) {
        // The default asked for: ours stays (or comes back), the program's view is its request.
        if (ours) g_view[sig] = asSetByGlibc(*act);
        else if (installOurs(sig, asSetByGlibc(*act)) != 0) return real().sigaction(sig, act, oldact);
    } else if (act != nullptr && real().sigaction(sig, act, nullptr) != 0) {
        return -1;  // errno from the real call; ours is still installed
    }
    if (oldact != nullptr) *oldact = previous;
    return 0;
}

__sighandler_t virtualSignal(int sig, __sighandler_t handler, int flags, bool maskSelf, SignalFunction realCall)
{
    if (!coveredAndInstalled(sig)) return realCall(sig, handler);
    ShimScope guard;
    struct sigaction current = {};
    if (real().sigaction(sig, nullptr, &current) != 0) return realCall(sig, handler);
    const bool ours = isOurs(current);
    if (handler != SIG_DFL) {
        // Installed by the real function, exactly as without us; the old handler it returns is
        // ours when we held the signal: the program's view is what it gets instead.
        const __sighandler_t old = realCall(sig, handler);
        return old == SIG_ERR || !ours ? old : g_view[sig].sa_handler;
    }
    struct sigaction request = defaultView();
    request.sa_flags = flags;
    if (maskSelf) sigaddset(&request.sa_mask, sig);
    const struct sigaction view = asSetByGlibc(request);
    if (ours) {
        const __sighandler_t old = g_view[sig].sa_handler;
        g_view[sig] = view;
        return old;
    }
    if (installOurs(sig, view) != 0) return realCall(sig, handler);
    return current.sa_handler;  // the program's own handler (sa_sigaction shares its storage)
}

}  // namespace memtrace::shim
