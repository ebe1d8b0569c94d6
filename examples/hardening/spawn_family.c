// spawn_family MODE ARGS: starts other programs in the ways a shell or a server does.
//   posix-spawn PROGRAM [ARGS]  posix_spawn(PROGRAM) and wait for it
//   vfork PROGRAM [ARGS]        vfork + execv(PROGRAM); first one vfork child whose exec fails
//                               and that leaves with _exit(3) (it must not end our capture)
//   chain N                     exec itself with N-1 until N is 0 (N + 1 images in one process)
// Every image first calls own_work(), which leaks one block of 1000 + N bytes (N = the chain
// number; 0 for posix-spawn and vfork) and mallocs+frees one of 77 bytes.
// Exits with the child's status (posix-spawn, vfork) or 0 (chain); prints
// "spawn_family: MODE pid PID" for every image (PID = its own pid).
#define _GNU_SOURCE
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../example_output.h"

extern char** environ;
static void* volatile sink;

__attribute__((noinline)) static void own_work(int n)
{
    sink = malloc(1000 + (size_t)n);
    void* volatile temporary = malloc(77);  // volatile: the pair cannot be optimized away
    free(temporary);
}

static int wait_status(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return 100;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char** argv)
{
    const char* mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "chain") == 0 && argc > 2) {
        const int n = atoi(argv[2]);
        own_work(n);
        say("spawn_family: chain %d pid %d\n", n, (int)getpid());
        if (n == 0) return 0;
        char next[16];
        snprintf(next, sizeof next, "%d", n - 1);
        char* const args[] = {argv[0], (char*)"chain", next, NULL};
        execv("/proc/self/exe", args);
        return 4;
    }
    if (argc < 3) {
        say("spawn_family: usage: MODE PROGRAM [ARGS]\n");
        return 2;
    }
    own_work(0);
    say("spawn_family: %s pid %d\n", mode, (int)getpid());
    if (strcmp(mode, "posix-spawn") == 0) {
        pid_t pid;
        if (posix_spawn(&pid, argv[2], NULL, NULL, argv + 2, environ) != 0) return 5;
        return wait_status(pid);
    }
    if (strcmp(mode, "vfork") == 0) {
        pid_t failed = vfork();
        if (failed == 0) {
            char* const none[] = {(char*)"/nonexistent/program", NULL};
            execv(none[0], none);
            _exit(3);
        }
        if (wait_status(failed) != 3) return 6;
        pid_t pid = vfork();
        if (pid == 0) {
            execv(argv[2], argv + 2);
            _exit(127);
        }
        return wait_status(pid);
    }
    say("spawn_family: unknown mode %s\n", mode);
    return 2;
}
