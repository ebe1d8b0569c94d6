// many_threads: main and 39 worker threads, 40 threads that allocate, with distinct exact
// per-thread totals: more threads than the HTML report's thread filter lists one by one (32),
// so the smallest 8 share one "[other threads]" entry (docs/REPORT.md, "Thread filter").
//
// Worker i (i = 0..38, in creation order) gets the unit u = (17 * i) % 39 + 1, a permutation
// of 1..39, so creation order (and the capture's thread numbers) is not size order. It names
// itself "u01".."u39" after its unit (pthread_setname_np) and, in its noinline function
// work_unit:
//   u x malloc(16), each freed at once (temporary); then 1 x malloc(100000 + 1000 u), held,
//   and 1 x malloc(10 u), leaked; then it waits at a barrier with all the others; when main
//   lets them go on it frees the held block (not temporary: the leak came in between).
//     allocations u + 2, allocated 100000 + 1026 u B, temporary u, leaked 10 u B in 1 block,
//     peak 100000 + 1010 u B
// The heap is highest when the last worker reaches the barrier: every worker then holds its
// held and leaked blocks (before that no block is freed but the churned ones).
//
// main (main_work): 1 x malloc(50), leaked, before it starts the workers; pthread_create also
// allocates on main (thread-local storage, calloc: runtime noise, a few hundred bytes per
// thread), all far below the smallest worker's 101026 B. So the 32 largest threads are the
// workers u08..u39 and "[other threads]" holds u01..u07 and main.
// Prints "many_threads: 39 workers done" and exits 0.
#define _GNU_SOURCE  // pthread_setname_np
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "example_output.h"

enum { kWorkers = 39 };

static pthread_barrier_t all_held, go_on;
static void* leaked[kWorkers + 1];

__attribute__((noinline)) static void work_unit(unsigned u)
{
    for (unsigned i = 0; i < u; ++i) {
        void* volatile block = malloc(16);  // volatile: the pair is not optimised away
        free(block);
    }
    void* volatile held = malloc(100000 + 1000 * (size_t)u);
    leaked[u] = malloc(10 * (size_t)u);
    pthread_barrier_wait(&all_held);
    pthread_barrier_wait(&go_on);
    free(held);
}

static void* run(void* unit)
{
    const unsigned u = (unsigned)(uintptr_t)unit;
    char name[8];
    snprintf(name, sizeof name, "u%02u", u);  // snprintf into a buffer does not allocate
    pthread_setname_np(pthread_self(), name);
    work_unit(u);
    return NULL;
}

__attribute__((noinline)) static void main_work(void)
{
    leaked[0] = malloc(50);
    pthread_t threads[kWorkers];
    for (unsigned i = 0; i < kWorkers; ++i)
        pthread_create(&threads[i], NULL, run, (void*)(uintptr_t)((17 * i) % kWorkers + 1));
    pthread_barrier_wait(&all_held);
    usleep(20000);
    pthread_barrier_wait(&go_on);
    for (unsigned i = 0; i < kWorkers; ++i) pthread_join(threads[i], NULL);
}

int main(void)
{
    pthread_barrier_init(&all_held, NULL, kWorkers + 1);
    pthread_barrier_init(&go_on, NULL, kWorkers + 1);
    main_work();
    say("many_threads: %d workers done\n", kWorkers);
    return 0;
}
