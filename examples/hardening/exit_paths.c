// exit_paths MODE: leaves the process by a path that skips main's return.
//   thread-exit  a second thread calls exit(7) while main waits in pthread_join: status 7
//   quick-exit   quick_exit(9) after at_quick_exit registered a handler: status 9
// Exact allocations first (make_blocks): 1000 x malloc(48), every second one freed;
//   malloc 1000 calls, 48000 B; free 500; leaked 500 blocks, 24000 B.
// Prints "exit_paths: MODE" (from the exiting thread / the quick_exit handler); exits 2 on a
// bad MODE.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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
    say("exit_paths: unknown mode %s\n", g_mode);
    return 2;
}
