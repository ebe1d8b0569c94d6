// Output for the example programs without stdio.
//
// stdio allocates its stream buffer with malloc on the first printf (4 KiB, never freed),
// which would add an allocation and a "leak" to every example's capture. The examples
// format into a stack buffer and write(2) it, so every allocation they make is one they
// state in their header comment.
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((format(printf, 1, 2))) static inline void say(const char* format, ...)
{
    char line[512];
    va_list args;
    va_start(args, format);
    int length = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (length < 0) return;
    if ((size_t)length >= sizeof line) length = (int)sizeof line - 1;
    const char* p = line;
    while (length > 0) {
        ssize_t written = write(STDOUT_FILENO, p, (size_t)length);
        if (written <= 0) return;
        p += written;
        length -= (int)written;
    }
}
