// thread_churn N: creates and joins N threads one after the other. Each thread
//   - mallocs 24 B and stores it in a pthread key whose destructor frees it and then
//     mallocs+frees 56 B (allocation during thread teardown, after the thread's code ended);
//   - touches a C++ thread_local whose destructor mallocs+frees 40 B (run by
//     __cxa_thread_atexit, also at teardown).
// Exact allocations of these hooks per thread (besides what the runtime does for a thread):
//   malloc: 3 calls, 24 + 56 + 40 = 120 B; free: 3 calls; leaked 0.
// `thread_churn 0` does everything but start threads (the reference run).
// Prints "thread_churn: N threads" and exits 0.
#include <pthread.h>
#include <stdlib.h>

#include "../example_output.h"

namespace {

pthread_key_t g_key;

void onKeyDestroyed(void* value)
{
    free(value);
    void* volatile late = malloc(56);  // volatile: kept by the optimizer
    free(late);
}

struct TeardownAllocates {
    int touched = 0;
    ~TeardownAllocates()
    {
        void* volatile late = malloc(40);
        free(late);
    }
};

thread_local TeardownAllocates t_local;

void* threadMain(void*)
{
    pthread_setspecific(g_key, malloc(24));
    t_local.touched = 1;
    return nullptr;
}

}  // namespace

int main(int argc, char** argv)
{
    const int n = argc > 1 ? atoi(argv[1]) : 1000;
    pthread_key_create(&g_key, onKeyDestroyed);
    for (int i = 0; i < n; ++i) {
        pthread_t thread;
        if (pthread_create(&thread, nullptr, threadMain, nullptr) != 0) return 1;
        pthread_join(thread, nullptr);
    }
    say("thread_churn: %d threads\n", n);
    return 0;
}
