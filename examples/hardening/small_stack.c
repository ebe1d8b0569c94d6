// small_stack [KIB=8]: a thread with the smallest stack POSIX allows (PTHREAD_STACK_MIN,
// 16 KiB here) uses about KIB KiB of it (one 1 KiB frame per KiB) and then makes its first
// allocation: malloc(48), freed at once, at the bottom of the frames (allocate_deep). The
// shim's first hook on a thread (stack bounds, ring, unwinding) runs on what is left. 8 runs
// untracked; 9 crashes it untracked (glibc's own needs take the rest).
// Prints "small_stack: thread done" and exits 0.
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../example_output.h"

static void* volatile sink;

__attribute__((noinline)) static int allocate_deep(int kib)
{
    volatile char pad[1024];
    memset((char*)pad, kib, sizeof pad);
    if (kib <= 1) {
        sink = malloc(48);
        free(sink);
        return pad[3];
    }
    return allocate_deep(kib - 1) + pad[5];
}

static void* body(void* arg) { return (void*)(long)allocate_deep((int)(long)arg); }

int main(int argc, char** argv)
{
    const int kib = argc > 1 ? atoi(argv[1]) : 8;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, PTHREAD_STACK_MIN);
    pthread_t thread;
    if (pthread_create(&thread, &attributes, body, (void*)(long)kib) != 0) return 3;
    void* result;
    pthread_join(thread, &result);
    say("small_stack: thread done\n");
    return 0;
}
