// many_children N: forks N children that are all alive at the same time. Child i (0-based)
// leaks one block of 100 * (i + 1) bytes from child_work, mallocs+frees one of 55 bytes,
// waits until every child has been forked (a pipe that the parent closes), then exits 0.
// The parent allocates nothing itself after the forks; it waits for all of them.
// Prints "many_children: child I pid PID" for each child (from the child) and
// "many_children: N children" at the end; exits 0, or 1 if a child failed.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../example_output.h"

static void* volatile sink;

__attribute__((noinline)) static void child_work(int i)
{
    sink = malloc(100 * (size_t)(i + 1));
    void* volatile temporary = malloc(55);  // volatile: the pair cannot be optimized away
    free(temporary);
}

int main(int argc, char** argv)
{
    const int n = argc > 1 ? atoi(argv[1]) : 50;
    int gate[2];
    if (pipe(gate) != 0) return 1;
    for (int i = 0; i < n; ++i) {
        const pid_t pid = fork();
        if (pid < 0) return 1;
        if (pid == 0) {
            close(gate[1]);
            child_work(i);
            say("many_children: child %d pid %d\n", i, (int)getpid());
            char byte;
            while (read(gate[0], &byte, 1) > 0) {
            }  // EOF once the parent has forked everyone
            exit(0);
        }
    }
    close(gate[1]);
    int failed = 0;
    for (int i = 0; i < n; ++i) {
        int status = 0;
        if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
    }
    say("many_children: %d children\n", n);
    return failed;
}
