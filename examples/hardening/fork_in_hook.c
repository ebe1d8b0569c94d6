// fork_in_hook N: a second thread allocates and frees without pause (so it is inside a malloc
// hook at almost any instant) while main forks N times. Each child mallocs+frees one block of
// 777 bytes in child_work and leaves with exit(0); the parent waits for each before the next
// fork. Proves a fork while another thread is inside a hook leaves no lock held in the child.
// Prints "fork_in_hook: N forks" and exits 0 (1 if a child failed).
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../example_output.h"

static atomic_int stop;

static void* churn(void* arg)
{
    (void)arg;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        void* volatile p = malloc(24);
        void* volatile q = realloc(p, 4000);
        free(q);
    }
    return NULL;
}

__attribute__((noinline)) static void child_work(void)
{
    void* volatile p = malloc(777);  // volatile: the pair cannot be optimized away
    free(p);
}

int main(int argc, char** argv)
{
    const int n = argc > 1 ? atoi(argv[1]) : 50;
    pthread_t thread;
    pthread_create(&thread, NULL, churn, NULL);
    int failed = 0;
    for (int i = 0; i < n; ++i) {
        const pid_t pid = fork();
        if (pid == 0) {
            child_work();
            exit(0);
        }
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
    }
    atomic_store(&stop, 1);
    pthread_join(thread, NULL);
    say("fork_in_hook: %d forks\n", n);
    return failed;
}
