// signal_alloc N: main mallocs and frees a 48-byte block N times while an interval timer
// (SIGALRM every 50 us) interrupts it; the handler callocs and frees an 80-byte block. Both
// sizes are warmed up first so glibc serves them from its per-thread cache, which takes no
// lock: natively the handler can never deadlock against the interrupted malloc.
// Exact allocations:
//   main:    malloc(48) N + 1 times (+1: warm-up), free N + 1 times
//   handler: calloc(1, 80) H + 1 times, free H + 1 times; H printed at the end
// A handler that runs while the shim is inside a hook on the same thread passes through
// unrecorded (the reentrancy guard); so a capture holds at most H + 1 callocs, each with its
// free, and exactly N + 1 mallocs.
// Prints "signal_alloc: N allocations, H handler runs" and exits 0.
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "../example_output.h"

static volatile sig_atomic_t handler_runs;
static void* volatile sink;

static void on_alarm(int sig)
{
    (void)sig;
    void* p = calloc(1, 80);
    sink = p;
    free(p);
    handler_runs = handler_runs + 1;
}

__attribute__((noinline)) static void main_loop(long n)
{
    for (long i = 0; i < n; ++i) {
        void* p = malloc(48);
        sink = p;
        free(p);
    }
}

int main(int argc, char** argv)
{
    const long n = argc > 1 ? atol(argv[1]) : 1000000;
    main_loop(1);
    on_alarm(0);  // warm-up of both sizes
    handler_runs = 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_alarm;
    action.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &action, NULL);
    const struct itimerval every = {{0, 50}, {0, 50}};
    setitimer(ITIMER_REAL, &every, NULL);
    main_loop(n);
    const struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    say("signal_alloc: %ld allocations, %d handler runs\n", n, (int)handler_runs);
    return 0;
}
