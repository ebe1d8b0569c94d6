// signal_view: what a program sees of its signal dispositions, printed so that a run under
// memtrace can be compared with a run without it (the shim keeps its own handler on the
// signals it covers out of the program's sight: preload/fatal_signals.h). Every line must be
// the same. It then takes and survives a SIGTERM with its own handler, ignores a SIGPIPE, and
// exits 0. No heap allocation (say() writes from a stack buffer).
//
// Printed, in order:
//   - for SIGSEGV SIGBUS SIGFPE SIGILL SIGABRT SIGTERM SIGINT SIGHUP SIGQUIT SIGPIPE SIGUSR1:
//     the handler (dfl / ign / other), the flags and whether the mask is empty, as sigaction
//     reports them at start;
//   - what signal(), sysv_signal() and sigaction() return and report through a sequence of
//     changes of SIGINT, SIGQUIT and SIGHUP (handler, default with flags and a mask, ignore);
//   - "caught SIGTERM 1" after raise(SIGTERM) with a handler; "survived SIGPIPE" after
//     raise(SIGPIPE) while it is ignored.
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>

#include "../example_output.h"

static volatile sig_atomic_t caught;

static void on_signal(int sig) { caught = sig; }

static const char* name_of(__sighandler_t handler)
{
    if (handler == SIG_DFL) return "dfl";
    if (handler == SIG_IGN) return "ign";
    if (handler == SIG_ERR) return "err";
    if (handler == on_signal) return "ours";
    return "other";
}

static int mask_is_empty(const sigset_t* mask)
{
    sigset_t empty;
    sigemptyset(&empty);
    return memcmp(mask, &empty, sizeof empty) == 0;
}

static void show(const char* what, int sig)
{
    struct sigaction now;
    memset(&now, 0, sizeof now);  // the kernel fills the first 8 bytes of the mask only
    if (sigaction(sig, NULL, &now) != 0) {
        say("%s %d: sigaction failed\n", what, sig);
        return;
    }
    say("%s %d: %s flags %#x mask %s %s\n", what, sig, name_of(now.sa_handler), (unsigned)now.sa_flags,
        mask_is_empty(&now.sa_mask) ? "empty" : "set", sigismember(&now.sa_mask, SIGUSR1) == 1 ? "+usr1" : "");
}

int main(void)
{
    static const int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTERM,
                                   SIGINT,  SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1};
    for (size_t i = 0; i < sizeof kSignals / sizeof kSignals[0]; ++i) show("start", kSignals[i]);

    say("signal(INT, h) returned %s\n", name_of(signal(SIGINT, on_signal)));
    show("after handler", SIGINT);
    say("signal(INT, dfl) returned %s\n", name_of(signal(SIGINT, SIG_DFL)));
    show("after default", SIGINT);
    say("sysv_signal(INT, dfl) returned %s\n", name_of(sysv_signal(SIGINT, SIG_DFL)));
    show("after sysv default", SIGINT);

    struct sigaction request;
    memset(&request, 0, sizeof request);
    request.sa_handler = SIG_DFL;
    request.sa_flags = SA_RESTART | SA_NODEFER;
    sigemptyset(&request.sa_mask);
    sigaddset(&request.sa_mask, SIGUSR1);
    struct sigaction old;
    say("sigaction(QUIT, dfl+flags) returned %d\n", sigaction(SIGQUIT, &request, &old));
    say("  old: %s flags %#x\n", name_of(old.sa_handler), (unsigned)old.sa_flags);
    show("after default with flags", SIGQUIT);

    say("signal(HUP, ign) returned %s\n", name_of(signal(SIGHUP, SIG_IGN)));
    show("after ignore", SIGHUP);
    say("signal(HUP, dfl) returned %s\n", name_of(signal(SIGHUP, SIG_DFL)));
    show("after ignore then default", SIGHUP);
    say("signal(0, h) returned %s\n", name_of(signal(0, on_signal)));

    struct sigaction handler;
    memset(&handler, 0, sizeof handler);
    handler.sa_handler = on_signal;
    sigemptyset(&handler.sa_mask);
    say("sigaction(TERM, h) returned %d\n", sigaction(SIGTERM, &handler, &old));
    say("  old: %s\n", name_of(old.sa_handler));
    raise(SIGTERM);
    say("caught SIGTERM %d\n", caught == SIGTERM);
    signal(SIGPIPE, SIG_IGN);
    raise(SIGPIPE);
    say("survived SIGPIPE\n");
    return 0;
}
