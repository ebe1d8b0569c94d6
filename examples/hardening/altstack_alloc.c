// altstack_alloc [BYTES=8192] [N=100]: a SIGUSR1 handler that runs on an alternate signal
// stack of BYTES (8192: the classic SIGSTKSZ) with a PROT_NONE guard page below it, so that
// an overflow is a crash, not silent damage. send_signals raises SIGUSR1 N times; the handler,
// allocate_in_handler, leaks malloc(24) each time (N blocks, 24 N bytes).
// Exact allocations: malloc(24) N times, never freed. The alternate stack is mmap'd: one
// mmap of BYTES + 4096 bytes, never unmapped.
// Prints "altstack_alloc: N handler allocations" and exits 0.
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "../example_output.h"

static void* volatile sink;
static volatile sig_atomic_t handler_runs;

__attribute__((noinline)) static void allocate_in_handler(int sig)
{
    (void)sig;
    sink = malloc(24);
    handler_runs = handler_runs + 1;
}

__attribute__((noinline)) static void send_signals(int n)
{
    for (int i = 0; i < n; ++i) raise(SIGUSR1);
}

int main(int argc, char** argv)
{
    const size_t bytes = argc > 1 ? (size_t)atol(argv[1]) : 8192;
    const int n = argc > 2 ? atoi(argv[2]) : 100;
    char* mapping = mmap(NULL, bytes + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED || mprotect(mapping, 4096, PROT_NONE) != 0) return 3;
    stack_t alternate = {.ss_sp = mapping + 4096, .ss_size = bytes, .ss_flags = 0};
    if (sigaltstack(&alternate, NULL) != 0) return 4;
    struct sigaction action = {.sa_handler = allocate_in_handler, .sa_flags = SA_ONSTACK};
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGUSR1, &action, NULL) != 0) return 5;
    send_signals(n);
    say("altstack_alloc: %d handler allocations\n", (int)handler_runs);
    return 0;
}
