// fatal_threads: four threads fault at the same instant. Each makes 25000 x malloc(32), kept
// live, then all meet at a barrier and store through a bad pointer: status 128 + 11 = 139.
// The first thread's signal handler ends the capture (preload/fatal_signals.h); the others
// must wait for it rather than kill the process half-way through.
//   malloc 100000 calls, 3200000 B; no free; live at death 100000 blocks, 3200000 B, plus
//   pthread_create's calloc of each thread's TLS (4 calls).
// Core dumps are disabled first (RLIMIT_CORE = 0). Prints nothing.
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>

enum { kThreads = 4, kPerThread = 25000, kBlockSize = 32 };

static pthread_barrier_t all_allocated;
static void* volatile sink;

static void* allocate_then_fault(void* unused)
{
    for (int i = 0; i < kPerThread; ++i) sink = malloc(kBlockSize);
    pthread_barrier_wait(&all_allocated);
    int* volatile bad = (int*)16;
    *bad = 1;
    return unused;
}

int main(void)
{
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    pthread_barrier_init(&all_allocated, NULL, kThreads);
    pthread_t threads[kThreads];
    for (int i = 0; i < kThreads; ++i) pthread_create(&threads[i], NULL, allocate_then_fault, NULL);
    for (int i = 0; i < kThreads; ++i) pthread_join(threads[i], NULL);
    return 0;  // not reached
}
