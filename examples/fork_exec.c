// fork_exec [PROGRAM ARGS...]: a parent that forks a worker child and a child that execs
// PROGRAM (default /bin/true).
//
// Exact allocations (malloc / free):
//   parent, before forking: parent_work  malloc(1111), free          (nothing live at fork)
//   forked child:           child_work   5 x malloc(2222), 3 freed, 2 leaked (4444 B),
//                                        then exit(0)
//   second child:           execv(PROGRAM) right after fork, no allocation before it
// So the parent's capture has malloc 1 call / 1111 B, free 1, nothing leaked; the forked
// child's capture (with --follow-fork: <capture>.<childpid>) has malloc 5 calls / 11110 B,
// free 3, leaked 2 blocks / 4444 B; PROGRAM's capture is PROGRAM's own.
// Prints, after both children ended:
//   fork_exec: child <pid> exited 0
//   fork_exec: exec child <pid> exited 0
// and exits 0 (1 if a child failed).
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "example_output.h"

enum {
    kParentSize = 1111,
    kChildBlocks = 5,
    kChildFreed = 3,
    kChildSize = 2222,
};

static void* volatile sink;

__attribute__((noinline)) static void parent_work(void)
{
    char* block = malloc(kParentSize);
    memset(block, 'p', kParentSize);
    sink = block;
    free(block);
    sink = NULL;
}

__attribute__((noinline)) static void child_work(void)
{
    char* blocks[kChildBlocks];
    for (int i = 0; i < kChildBlocks; ++i) {
        blocks[i] = malloc(kChildSize);
        memset(blocks[i], 'c', kChildSize);
    }
    for (int i = 0; i < kChildFreed; ++i) free(blocks[i]);
    sink = blocks[kChildFreed];
    sink = blocks[kChildFreed + 1];
    sink = NULL;
}

static int wait_for(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char** argv)
{
    parent_work();

    pid_t worker = fork();
    if (worker < 0) return 1;
    if (worker == 0) {
        child_work();
        exit(0);
    }
    int worker_status = wait_for(worker);

    char* const default_program[] = {"/bin/true", NULL};
    char* const* program = argc > 1 ? argv + 1 : default_program;
    pid_t execed = fork();
    if (execed < 0) return 1;
    if (execed == 0) {
        execv(program[0], program);
        _exit(127);
    }
    int exec_status = wait_for(execed);

    say("fork_exec: child %d exited %d\n", (int)worker, worker_status);
    say("fork_exec: exec child %d exited %d\n", (int)execed, exec_status);
    return worker_status == 0 && exec_status == 0 ? 0 : 1;
}
