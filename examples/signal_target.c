// signal_target MODE: a program at the receiving or the sending end of a signal, for the
// launcher's signal tests (tests/integration/launcher_signals_test.cpp).
//   wait           prints "signal_target: ready", then reads stdin until EOF and exits 0 (a
//                  signal with the default action, a Ctrl-C, kills it while it waits)
//   notify-parent  kill(getppid(), SIGUSR1), as a worker notifying its supervisor; then reads
//                  stdin until EOF, prints "signal_target: alive after signalling its parent"
//                  and exits 0. SIGUSR1 is left at its default: if it ever comes back, it kills
//                  the program.
// Both first allocate and free 10 blocks of 48 bytes (malloc 10 calls, 480 B; free 10 calls).
// Exits 2 on a bad MODE.
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "example_output.h"

static void* volatile sink;

static void read_until_eof(void)
{
    char buffer[256];
    for (;;) {
        const ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
        if (n == 0 || (n < 0 && errno != EINTR)) return;
    }
}

int main(int argc, char** argv)
{
    if (argc != 2 || (strcmp(argv[1], "wait") != 0 && strcmp(argv[1], "notify-parent") != 0)) {
        say("usage: signal_target wait|notify-parent\n");
        return 2;
    }
    for (int i = 0; i < 10; ++i) {
        sink = malloc(48);
        free(sink);
    }
    if (strcmp(argv[1], "wait") == 0) {
        say("signal_target: ready\n");
        read_until_eof();
        return 0;
    }
    kill(getppid(), SIGUSR1);
    read_until_eof();
    say("signal_target: alive after signalling its parent\n");
    return 0;
}
