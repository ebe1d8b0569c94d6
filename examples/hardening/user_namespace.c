// user_namespace: enters a new user namespace with unshare(CLONE_NEWUSER), which the kernel
// allows only to a single-threaded process, between two phases of exact allocations:
//   before_unshare: 1000 x malloc(32), never freed       32000 B leaked
//   after_unshare:  1000 x malloc(96), never freed       96000 B leaked,
//                   then 40000 x malloc(16) each freed at once: 82000 events, more than a
//                   thread's ring holds, so they need the writer thread running again
//                   (a program thread can drain in its place only stacks already emitted).
// Between the two it sleeps 300 ms: a writer thread running again samples the RSS meanwhile.
// Prints "user_namespace: unshare ok" or "user_namespace: unshare failed: <errno text>", and
// exits 0 either way (a system without user namespaces fails alike with and without memtrace).
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../example_output.h"

static void* volatile kept[2000];

__attribute__((noinline)) static void before_unshare(void)
{
    for (int i = 0; i < 1000; ++i) kept[i] = malloc(32);
}

__attribute__((noinline)) static void after_unshare(void)
{
    for (int i = 0; i < 1000; ++i) kept[1000 + i] = malloc(96);
    for (int i = 0; i < 40000; ++i) {
        void* volatile p = malloc(16);
        free(p);
    }
}

int main(void)
{
    before_unshare();
    if (unshare(CLONE_NEWUSER) == 0) say("user_namespace: unshare ok\n");
    else say("user_namespace: unshare failed: %s\n", strerror(errno));
    const struct timespec pause = {0, 300 * 1000000L};
    nanosleep(&pause, NULL);
    after_unshare();
    return 0;
}
