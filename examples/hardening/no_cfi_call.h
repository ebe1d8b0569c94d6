// void no_cfi_call(void (*fn)(int)): calls fn(0) from a frame-pointer frame that no .eh_frame
// entry covers (top-level assembly gets no call-frame information). A stack walk through it
// is one the default unwinder's own walker cannot follow and hands to libunwind.
#pragma once

__asm__(".text\n"
        ".globl no_cfi_call\n"
        ".type no_cfi_call, @function\n"
        "no_cfi_call:\n"
        "    push %rbp\n"
        "    mov %rsp, %rbp\n"
        "    mov %rdi, %rax\n"
        "    xor %edi, %edi\n"
        "    call *%rax\n"
        "    pop %rbp\n"
        "    ret\n"
        ".size no_cfi_call, .-no_cfi_call\n");
void no_cfi_call(void (*fn)(int));
