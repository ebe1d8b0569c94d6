// altstack_alloc [BYTES=8192] [N=100]: a SIGUSR1 handler that runs on an alternate signal
// stack of BYTES (8192: the classic SIGSTKSZ) with a PROT_NONE guard page below it, so that
// an overflow is a crash, not silent damage. send_signals raises SIGUSR1 N times; the handler,
// allocate_in_handler, leaks malloc(24) each time (N blocks, 24 N bytes).
// Exact allocations: malloc(24) N times, never freed. The alternate stack is mmap'd: one
// mmap of BYTES + 4096 bytes, never unmapped.
// Prints "altstack_alloc: N handler allocations" and exits 0.
//
// altstack_alloc thread: the same handler and stack (8192 bytes), used by a second thread
// whose very first allocation is the handler's (the shim then meets the thread on the
// alternate stack): thread_body sets the alternate stack, raises SIGUSR1 once, then
// allocate_after_handler leaks malloc(40) 10 times on the thread's own stack.
// Exact allocations of the thread: malloc(24) once and malloc(40) 10 times, never freed.
// Prints "altstack_alloc: thread: 1 handler allocation, 10 after" and exits 0.
//
// altstack_alloc nocfi: as the first form with BYTES 8192 and N 100, but the handler
// (through_no_cfi) reaches allocate_in_handler through no_cfi_call, code without call-frame
// information: a walk the default unwinder's own walker cannot finish.
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../example_output.h"
#include "no_cfi_call.h"

static void* volatile sink;
static volatile sig_atomic_t handler_runs;

__attribute__((noinline)) static void allocate_in_handler(int sig)
{
    (void)sig;
    sink = malloc(24);
    handler_runs = handler_runs + 1;
}

static void through_no_cfi(int sig)
{
    (void)sig;
    no_cfi_call(allocate_in_handler);
}

__attribute__((noinline)) static void send_signals(int n)
{
    for (int i = 0; i < n; ++i) raise(SIGUSR1);
}

__attribute__((noinline)) static void allocate_after_handler(void)
{
    for (int i = 0; i < 10; ++i) sink = malloc(40);
}

static stack_t alternate;

static void* thread_body(void* arg)
{
    (void)arg;
    if (sigaltstack(&alternate, NULL) != 0) return (void*)1;
    raise(SIGUSR1);
    allocate_after_handler();
    return NULL;
}

int main(int argc, char** argv)
{
    const int threaded = argc > 1 && strcmp(argv[1], "thread") == 0;
    const int noCfi = argc > 1 && strcmp(argv[1], "nocfi") == 0;
    const size_t bytes = argc > 1 && !threaded && !noCfi ? (size_t)atol(argv[1]) : 8192;
    const int n = argc > 2 && !noCfi ? atoi(argv[2]) : 100;
    char* mapping = mmap(NULL, bytes + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED || mprotect(mapping, 4096, PROT_NONE) != 0) return 3;
    alternate = (stack_t){.ss_sp = mapping + 4096, .ss_size = bytes, .ss_flags = 0};
    struct sigaction action = {.sa_handler = noCfi ? through_no_cfi : allocate_in_handler, .sa_flags = SA_ONSTACK};
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGUSR1, &action, NULL) != 0) return 5;
    if (threaded) {
        pthread_t thread;
        void* result = NULL;
        if (pthread_create(&thread, NULL, thread_body, NULL) != 0 || pthread_join(thread, &result) != 0 || result)
            return 6;
        say("altstack_alloc: thread: %d handler allocation, 10 after\n", (int)handler_runs);
        return 0;
    }
    if (sigaltstack(&alternate, NULL) != 0) return 4;
    send_signals(n);
    say("altstack_alloc: %d handler allocations\n", (int)handler_runs);
    return 0;
}
