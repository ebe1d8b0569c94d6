// fd_numbers MODE [DIR]: what a program sees of its descriptor numbers. The shim's own
// descriptors, and the pipe libunwind opens to validate addresses, must not take the low
// numbers the kernel hands out first, nor be read or written when the program has its own
// files there.
//   first  prints "open N, pipe R W": the numbers of the first file and pipe it opens. Must
//          be what the untracked program prints (3, 4 5 with only stdio inherited).
//   reuse  closes 3 and 4, writes DIR/in.txt ("hello\n"), opens it for reading and
//          DIR/out.txt for writing (numbers 3 and 4 when nothing else is open), allocates
//          three times through a function without call-frame information (no_cfi_call,
//          assembly) - a walk the default unwinder hands to libunwind, whose frame-chain
//          fallback checks each address it reads by writing it into its pipe - and raises a
//          signal whose handler allocates, then writes "data\n" to out.txt
//          and reads 5 bytes of in.txt. Prints "fd_numbers: reuse ok" and exits 0 if it read
//          "hello" and out.txt holds exactly "data\n"; else says what differed, exits 3.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../example_output.h"
#include "no_cfi_call.h"

static void* volatile sink;

static void allocate_in_handler(int sig)
{
    (void)sig;
    sink = malloc(64);
    free(sink);
}


static int first(void)
{
    const int file = open("/dev/null", O_RDONLY);
    int ends[2];
    if (file < 0 || pipe(ends) != 0) return 3;
    say("open %d, pipe %d %d\n", file, ends[0], ends[1]);
    return 0;
}

static int reuse(const char* dir)
{
    char in_path[4096], out_path[4096];
    snprintf(in_path, sizeof in_path, "%s/in.txt", dir);
    snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
    FILE* seed = fopen(in_path, "w");
    if (!seed || fputs("hello\n", seed) < 0 || fclose(seed) != 0) return 3;
    close(3);
    close(4);
    const int in = open(in_path, O_RDONLY);
    const int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0) return 3;
    for (int i = 0; i < 3; ++i) no_cfi_call(allocate_in_handler);
    signal(SIGUSR1, allocate_in_handler);
    for (int i = 0; i < 3; ++i) raise(SIGUSR1);
    if (write(out, "data\n", 5) != 5 || close(out) != 0) return 3;
    char read_back[8] = {0};
    const ssize_t got = read(in, read_back, 5);
    char written[16] = {0};
    const int check = open(out_path, O_RDONLY);
    const ssize_t length = check >= 0 ? read(check, written, sizeof written - 1) : -1;
    if (got != 5 || memcmp(read_back, "hello", 5) != 0 || length != 5 || memcmp(written, "data\n", 5) != 0) {
        say("fd_numbers: reuse failed: read %zd bytes \"%s\", out.txt has %zd bytes\n", got, read_back, length);
        return 3;
    }
    say("fd_numbers: reuse ok\n");
    return 0;
}

int main(int argc, char** argv)
{
    const char* mode = argc > 1 ? argv[1] : "first";
    if (strcmp(mode, "first") == 0) return first();
    if (strcmp(mode, "reuse") == 0 && argc > 2) return reuse(argv[2]);
    say("usage: fd_numbers first | reuse DIR\n");
    return 2;
}
