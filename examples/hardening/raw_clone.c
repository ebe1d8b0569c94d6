// A child process made with glibc's clone() rather than fork(): no fork handlers run in it, so
// it holds a copy of the shim's state, no writer thread, and its parent's capture file. The
// child allocates enough to fill its copy of the event ring, then leaves with exit(), which
// runs the shim's destructor. A shim that does not notice waits forever for a writer that is
// not there (the program hangs), or writes the child's events and an End into the parent's
// capture. The parent goes on allocating after the child has gone.
//   raw_clone [CHILD_PAIRS=3000000]
//   parent: malloc(1000) kept, then 1000 x (malloc(100) + free) after the child exited
//   child:  CHILD_PAIRS x (malloc + free), malloc(12345) kept, exit(7)
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "../example_output.h"

static char g_childStack[1 << 20];

static int child(void* arg)
{
    const long pairs = (long)arg;
    for (long i = 0; i < pairs; ++i) {
        void* volatile p = malloc(64 + (size_t)(i % 100));
        free(p);
    }
    void* volatile kept = malloc(12345);
    (void)kept;
    exit(7);  // atexit handlers and destructors run in the child
}

int main(int argc, char** argv)
{
    const long pairs = argc > 1 ? atol(argv[1]) : 3000000;
    void* volatile kept = malloc(1000);
    const int pid = clone(child, g_childStack + sizeof g_childStack, SIGCHLD, (void*)pairs);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) return 1;
    for (int i = 0; i < 1000; ++i) {
        void* volatile p = malloc(100);
        free(p);
    }
    say("raw_clone: child exited with %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return kept ? 0 : 1;
}
