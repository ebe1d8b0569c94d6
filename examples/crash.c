// crash MODE [SLEEP_MS]: allocates for about a second, waits SLEEP_MS (default 500, more
// than the shim's 100 ms flush interval, so everything so far is in the capture), then dies
// according to MODE:
//   kill    raise(SIGKILL)             status 128 + 9  = 137, no End record (truncated)
//   segv    store through a bad pointer, status 128 + 11 = 139
//   abort   abort()                    status 128 + 6  = 134
//   term    kill(getpid(), SIGTERM)    status 128 + 15 = 143
//   pipe    write(2) to a pipe whose reading end is closed: SIGPIPE, status 128 + 13 = 141
//   handler its own SIGTERM handler (installed with sigaction, which must report the default
//           before) prints "crash: handler ran", puts the default back with signal() and
//           raises SIGTERM again: status 143
//   _exit   _exit(5)                   status 5, the shim writes its End record
// With the shim's end-of-capture handler (preload/fatal_signals.h) every mode but kill has an
// End record and every allocation even with SLEEP_MS 0.
// Core dumps are disabled first (RLIMIT_CORE = 0) so tests do not leave core files.
//
// Exact allocations before dying (malloc / free from allocate_for_a_second):
//   1000 rounds of 100 x malloc(32), every second block freed at once, 1 ms sleep per round
//   malloc: 100000 calls, 3200000 B     free: 50000 calls
//   live at death: 50000 blocks, 1600000 B
// Prints "crash: allocated 100000 blocks, dying by MODE" before dying; exits 2 on a bad MODE.
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "example_output.h"

enum {
    kRounds = 1000,
    kPerRound = 100,
    kBlockSize = 32,
};

static void* volatile sink;

static void sleep_ms(long ms)
{
    struct timespec delay = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&delay, &delay) != 0) {
    }
}

__attribute__((noinline)) static int allocate_for_a_second(void)
{
    int allocated = 0;
    for (int round = 0; round < kRounds; ++round) {
        for (int i = 0; i < kPerRound; ++i) {
            char* block = malloc(kBlockSize);
            block[0] = (char)i;
            ++allocated;
            if (i % 2 == 0) {
                free(block);
            } else {
                sink = block;  // kept live until the process dies
            }
        }
        sleep_ms(1);
    }
    sink = NULL;
    return allocated;
}

// Cleans up and dies of the signal it got, as daemons do.
static void on_term(int sig)
{
    static const char message[] = "crash: handler ran\n";
    (void)!write(STDOUT_FILENO, message, sizeof message - 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

int main(int argc, char** argv)
{
    if (argc < 2) {
        say("usage: crash kill|segv|abort|term|pipe|handler|_exit [SLEEP_MS]\n");
        return 2;
    }
    const char* mode = argv[1];
    static const char* const kModes[] = {"kill", "segv", "abort", "term", "pipe", "handler", "_exit"};
    int known = 0;
    for (size_t i = 0; i < sizeof kModes / sizeof kModes[0]; ++i) known |= strcmp(mode, kModes[i]) == 0;
    if (!known) {
        say("crash: unknown mode %s\n", mode);
        return 2;
    }
    long sleep_before_death = argc > 2 ? atol(argv[2]) : 500;

    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);

    int allocated = allocate_for_a_second();
    say("crash: allocated %d blocks, dying by %s\n", allocated, mode);
    sleep_ms(sleep_before_death);

    if (strcmp(mode, "kill") == 0) {
        raise(SIGKILL);
    } else if (strcmp(mode, "segv") == 0) {
        int* volatile bad = (int*)16;
        *bad = 1;
    } else if (strcmp(mode, "abort") == 0) {
        abort();
    } else if (strcmp(mode, "term") == 0) {
        kill(getpid(), SIGTERM);
        sleep_ms(10000);  // the signal arrives first
    } else if (strcmp(mode, "pipe") == 0) {
        int ends[2];
        if (pipe(ends) != 0) return 4;
        close(ends[0]);
        (void)!write(ends[1], "x", 1);
    } else if (strcmp(mode, "handler") == 0) {
        struct sigaction handler, old;
        memset(&handler, 0, sizeof handler);
        handler.sa_handler = on_term;
        sigemptyset(&handler.sa_mask);
        if (sigaction(SIGTERM, &handler, &old) != 0 || old.sa_handler != SIG_DFL) return 5;
        raise(SIGTERM);
    } else {
        _exit(5);
    }
    return 3;  // not reached
}
