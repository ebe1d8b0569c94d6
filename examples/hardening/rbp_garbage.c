// rbp_garbage: calls malloc(100) from code that holds rbp = -16, then from code that holds
// rbp = -8, as code without frame pointers may (rbp is an ordinary register there; libmagic's
// vasprintf path does this), and frees both blocks. A frame-pointer walk must stop there, not
// read at the top of the address space.
// Exact allocations: malloc(100) twice, both freed.
// Prints "rbp_garbage: 2 blocks" and exits 0.
#include <stdlib.h>

#include "../example_output.h"

void* malloc_with_rbp(size_t size, long rbp);
__asm__(".text\n"
        ".globl malloc_with_rbp\n"
        ".type malloc_with_rbp, @function\n"
        "malloc_with_rbp:\n"
        "    push %rbp\n"
        "    mov %rsi, %rbp\n"
        "    call malloc@PLT\n"
        "    pop %rbp\n"
        "    ret\n"
        ".size malloc_with_rbp, .-malloc_with_rbp\n");

int main(void)
{
    void* a = malloc_with_rbp(100, -16);
    void* b = malloc_with_rbp(100, -8);
    if (!a || !b) return 3;
    free(a);
    free(b);
    say("rbp_garbage: 2 blocks\n");
    return 0;
}
