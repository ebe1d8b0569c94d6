// Pause, resume and markers from inside the program (include/memtrace/api.h). Every
// allocation is known:
//
//   mark "start"
//   phase A: 10 x malloc(1000), kept
//   pause
//   phase B: 20 x malloc(2000), kept         -> not recorded
//            free 5 of phase A's blocks       -> recorded (allocated before the pause)
//            free 4 of phase B's blocks       -> recorded, unmatched (never seen allocated)
//   resume
//   mark "steady-begin"
//   phase C: 30 x malloc(3000); 10 of them freed
//   mark "steady-end"
//   phase D: 7 x malloc(4000), kept
//   mark "end"
//
// Full capture: 1000 B x 10 allocations (5 live), 2000 B x 0, 3000 B x 30 (20 live), 4000 B x 7.
// Window steady-begin..steady-end: 30 allocations, 90000 B allocated, 20 live (60000 B).
// Prints the same lines with or without memtrace; "active=1" only tells which.
#include <memtrace/api.h>
#include <stdlib.h>

#include "../example_output.h"

void* keep[80];  // not static: the compiler must not drop the unused blocks

__attribute__((noinline)) static void phaseA(void) { for (int i = 0; i < 10; ++i) keep[i] = malloc(1000); }
__attribute__((noinline)) static void phaseB(void) { for (int i = 0; i < 20; ++i) keep[10 + i] = malloc(2000); }
__attribute__((noinline)) static void phaseC(void)
{
    for (int i = 0; i < 30; ++i) keep[30 + i] = malloc(3000);
    for (int i = 0; i < 10; ++i) free(keep[30 + i]);
}
__attribute__((noinline)) static void phaseD(void) { for (int i = 0; i < 7; ++i) keep[60 + i] = malloc(4000); }

int main(int argc, char** argv)
{
    (void)argv;
    memtrace_mark("start");
    phaseA();
    memtrace_pause();
    memtrace_pause();  // twice: the second changes nothing
    phaseB();
    for (int i = 0; i < 5; ++i) free(keep[i]);
    for (int i = 0; i < 4; ++i) free(keep[10 + i]);
    memtrace_resume();
    memtrace_mark("steady-begin");
    phaseC();
    memtrace_mark("steady-end");
    phaseD();
    memtrace_mark("end");
    say("phases done\n");
    if (argc > 1) say("active=%d\n", memtrace_active());
    return 0;
}
