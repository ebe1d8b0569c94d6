// exit_code N [--print-pid]: exits with status N (default 0) via exit(). No allocation of
// its own. With --print-pid it first prints "exit_code: pid <pid>" (for the tests of
// `-o %p` and of the default capture name).
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "example_output.h"

int main(int argc, char** argv)
{
    int status = argc > 1 ? atoi(argv[1]) : 0;
    if (argc > 2 && strcmp(argv[2], "--print-pid") == 0) say("exit_code: pid %d\n", (int)getpid());
    exit(status);
}
