// exit_paths MODE: leaves the process by a path that skips main's return.
//   thread-exit  a second thread calls exit(7) while main waits in pthread_join: status 7
//   quick-exit   quick_exit(9) after at_quick_exit registered a handler: status 9
//   term-in-exit main calls _exit(5) while a second thread, released by main just before,
//                sends the process SIGTERM: the signal lands while _exit writes the end of
//                the capture. Killed by SIGTERM (or, if the signal came too late, status 5).
//                Before _exit, 200000 x malloc(16) each freed at once (churn), so that the
//                last chunk is large and writing it takes a while.
//   return       main returns 4
//   _exit        _exit(8)
//   abort        abort(): killed by SIGABRT
// Exact allocations first (make_blocks): 1000 x malloc(48), every second one freed;
//   malloc 1000 calls, 48000 B; free 500; leaked 500 blocks, 24000 B.
// Prints "exit_paths: MODE" (from the exiting thread / the quick_exit handler; before leaving in
// the last three); exits 2 on a bad MODE.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../example_output.h"

static void* volatile kept[1000];  // volatile: stores the optimizer cannot drop
static const char* g_mode;

__attribute__((noinline)) static void make_blocks(void)
{
    for (int i = 0; i < 1000; ++i) {
        void* p = malloc(48);
        if (i % 2) free(p);
        else kept[i / 2] = p;
    }
}

static void* exit_from_thread(void* arg)
{
    (void)arg;
    say("exit_paths: %s\n", g_mode);
    exit(7);
}

static void on_quick_exit(void) { say("exit_paths: %s\n", g_mode); }

static atomic_int g_exiting;

static void* terminate_process(void* arg)
{
    (void)arg;
    while (!atomic_load(&g_exiting)) {
    }
    kill(getpid(), SIGTERM);
    return NULL;
}

__attribute__((noinline)) static void churn(void)
{
    for (int i = 0; i < 200000; ++i) {
        void* volatile p = malloc(16);
        free(p);
    }
}

int main(int argc, char** argv)
{
    g_mode = argc > 1 ? argv[1] : "";
    make_blocks();
    if (strcmp(g_mode, "thread-exit") == 0) {
        pthread_t thread;
        pthread_create(&thread, NULL, exit_from_thread, NULL);
        pthread_join(thread, NULL);  // never returns: the process exits from the thread
        return 1;
    }
    if (strcmp(g_mode, "quick-exit") == 0) {
        at_quick_exit(on_quick_exit);
        quick_exit(9);
    }
    if (strcmp(g_mode, "term-in-exit") == 0) {
        pthread_t thread;
        pthread_create(&thread, NULL, terminate_process, NULL);
        churn();
        say("exit_paths: %s\n", g_mode);
        atomic_store(&g_exiting, 1);
        _exit(5);
    }
    if (strcmp(g_mode, "return") == 0) {
        say("exit_paths: %s\n", g_mode);
        return 4;
    }
    if (strcmp(g_mode, "_exit") == 0) {
        say("exit_paths: %s\n", g_mode);
        _exit(8);
    }
    if (strcmp(g_mode, "abort") == 0) {
        say("exit_paths: %s\n", g_mode);
        abort();
    }
    say("exit_paths: unknown mode %s\n", g_mode);
    return 2;
}
