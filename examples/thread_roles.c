// thread_roles: three threads named with pthread_setname_np ("parser", "cache", "writer") and
// main, each allocating from its own noinline function: what `summary --json`'s thread_totals
// and the HTML report's thread filter must show (a block belongs to the thread that allocated
// it).
//
// Every thread first churns (malloc + free at once: temporary), then allocates what it holds,
// then all meet at a barrier; main sleeps 20 ms and lets them go on, so the frees that follow
// are in later time ticks than every allocation before. The heap is highest when the last of
// them reaches the barrier: each thread then holds exactly its "held" blocks.
//
//   parser (parse_records): 200 x malloc(64) freed at once; 10 x malloc(1000) and 1 x
//     malloc(5000); after the barrier the ten are freed (not temporary: the 5000 came later),
//     the 5000 is leaked.
//     allocations 211, allocated 27800 B, temporary 200, leaked 5000 B in 1 block, peak 15000 B
//   cache (fill_cache): 50 x malloc(128) freed at once; 20 x malloc(4096); after the barrier
//     the first 15 are freed, the last 5 leaked.
//     allocations 70, allocated 88320 B, temporary 50, leaked 20480 B in 5 blocks, peak 81920 B
//   writer (write_output): 300 x malloc(32) freed at once; 1 x malloc(200000), freed after the
//     barrier with no allocation by writer in between: temporary too (the reader's rule).
//     allocations 301, allocated 209600 B, temporary 301, leaked 0, peak 200000 B
//   main (main_work), before the threads start: 10 x malloc(16) freed at once, 1 x
//     malloc(30000) held; after joining them it frees the 30000 and leaks 1 x malloc(700).
//     its own: allocations 12, allocated 30860 B, temporary 10, leaked 700 B in 1 block, and
//     30000 B of its blocks at the peak. pthread_create also allocates on main (thread-local
//     storage, calloc): runtime noise on top of main's numbers, not this program's.
// Prints "thread_roles: parser cache writer done" and exits 0.
#define _GNU_SOURCE  // pthread_setname_np
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "example_output.h"

static pthread_barrier_t all_held, go_on;
static void* volatile sink;  // keeps the compiler from removing a malloc/free pair

static void churn(int count, size_t size)
{
    for (int i = 0; i < count; ++i) {
        sink = malloc(size);
        free(sink);
    }
}

static void wait_for_everyone(void)
{
    pthread_barrier_wait(&all_held);
    pthread_barrier_wait(&go_on);
}

__attribute__((noinline)) static void parse_records(void)
{
    churn(200, 64);
    void* records[10];
    for (int i = 0; i < 10; ++i) records[i] = malloc(1000);
    sink = malloc(5000);  // leaked
    wait_for_everyone();
    for (int i = 0; i < 10; ++i) free(records[i]);
}

__attribute__((noinline)) static void fill_cache(void)
{
    churn(50, 128);
    static void* entries[20];  // the last 5 stay: leaked
    for (int i = 0; i < 20; ++i) entries[i] = malloc(4096);
    wait_for_everyone();
    for (int i = 0; i < 15; ++i) free(entries[i]);
}

__attribute__((noinline)) static void write_output(void)
{
    churn(300, 32);
    void* buffer = malloc(200000);
    sink = buffer;
    wait_for_everyone();
    free(buffer);
}

static void* run(void* role)
{
    pthread_setname_np(pthread_self(), (const char*)role);
    switch (((const char*)role)[0]) {
    case 'p': parse_records(); break;
    case 'c': fill_cache(); break;
    default: write_output(); break;
    }
    return NULL;
}

__attribute__((noinline)) static void main_work(void)
{
    churn(10, 16);
    void* held = malloc(30000);
    sink = held;
    pthread_t threads[3];
    static const char* const roles[3] = {"parser", "cache", "writer"};
    for (int i = 0; i < 3; ++i) pthread_create(&threads[i], NULL, run, (void*)roles[i]);
    pthread_barrier_wait(&all_held);
    usleep(20000);
    pthread_barrier_wait(&go_on);
    for (int i = 0; i < 3; ++i) pthread_join(threads[i], NULL);
    free(held);
    sink = malloc(700);  // leaked
}

int main(void)
{
    pthread_barrier_init(&all_held, NULL, 4);
    pthread_barrier_init(&go_on, NULL, 4);
    main_work();
    say("thread_roles: parser cache writer done\n");
    return 0;
}
