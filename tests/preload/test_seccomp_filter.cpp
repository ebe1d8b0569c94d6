// The shim's reading of a seccomp filter (preload/seccomp_filter.h): does the filter let every
// system call of the shim through? Filters written as programs write them, with the answer
// the kernel would give for the shim's calls.
#include <catch2/catch.hpp>

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>

#include <vector>

#include "seccomp_filter.h"

using memtrace::shim::seccompFilterAllowsShim;

namespace {

sock_filter statement(uint16_t code, uint32_t k) { return BPF_STMT(code, k); }
sock_filter jump(uint16_t code, uint32_t k, uint8_t taken, uint8_t notTaken) { return BPF_JUMP(code, k, taken, notTaken); }

bool allows(std::vector<sock_filter> code)
{
    const sock_fprog program{static_cast<unsigned short>(code.size()), code.data()};
    return seccompFilterAllowsShim(&program);
}

const sock_filter kLoadNr = statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));

}  // namespace

TEST_CASE("a filter that allows everything, or kills only calls the shim never makes, lets it through")
{
    CHECK(allows({statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}));
    CHECK(allows({statement(BPF_RET | BPF_K, SECCOMP_RET_LOG)}));
    CHECK(allows({kLoadNr, jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_ptrace, 0, 1), statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
                  statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}));
    // The arch check every careful filter starts with.
    CHECK(allows({statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
                  jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0), statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
                  statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}));
    // Ranges through JGE and arithmetic: deny numbers >= 450 (the highest of the shim's is clone3, 435).
    CHECK(allows({kLoadNr, statement(BPF_ALU | BPF_ADD | BPF_K, 0), jump(BPF_JMP | BPF_JGE | BPF_K, 450, 0, 1),
                  statement(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1), statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}));
    // Scratch memory and the X register.
    CHECK(allows({kLoadNr, statement(BPF_ST, 3), statement(BPF_LDX | BPF_MEM, 3), statement(BPF_MISC | BPF_TXA, 0),
                  jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_mount, 0, 1), statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_THREAD),
                  statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}));
}

TEST_CASE("a filter that refuses any of the shim's system calls, in any way, does not")
{
    for (const uint32_t action : {SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP,
                                  SECCOMP_RET_ERRNO | 1u, SECCOMP_RET_TRACE, SECCOMP_RET_USER_NOTIF}) {
        INFO("action " << std::hex << action);
        CHECK_FALSE(allows({kLoadNr, jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_gettid, 0, 1), statement(BPF_RET | BPF_K, action),
                            statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}));
    }
    // An allowlist without openat.
    CHECK_FALSE(allows({kLoadNr, jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 1), statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
                        statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}));
    // Numbers from 400 on refused: clone3 (435) is the shim's, when it starts its writer again.
    CHECK_FALSE(allows({kLoadNr, jump(BPF_JMP | BPF_JGE | BPF_K, 400, 0, 1), statement(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
                        statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}));
    // The return value taken from A (the loaded number): not ALLOW (0x7fff0000) for any call.
    CHECK_FALSE(allows({kLoadNr, statement(BPF_RET | BPF_A, 0)}));
    // JSET on the number: bit 8 set kills rseq (334) and clone3 (435), though no call is 256.
    CHECK_FALSE(allows({kLoadNr, jump(BPF_JMP | BPF_JSET | BPF_K, 0x100, 0, 1), statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
                        statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}));
    // JSET on the number: kills every odd one (write is 1).
    CHECK_FALSE(allows({kLoadNr, jump(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1), statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
                        statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}));
}

TEST_CASE("a filter the interpreter cannot read is taken as refusing")
{
    CHECK_FALSE(seccompFilterAllowsShim(nullptr));
    CHECK_FALSE(allows({}));
    CHECK_FALSE(allows({statement(BPF_LD | BPF_W | BPF_ABS, 200)}));                        // past seccomp_data
    CHECK_FALSE(allows({statement(BPF_LD | BPF_B | BPF_ABS, 0), statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}));  // byte load: not seccomp's
    CHECK_FALSE(allows({jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 5), statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}));  // jumps past the end
    CHECK_FALSE(allows({kLoadNr}));  // runs off the end
    CHECK_FALSE(allows({statement(BPF_ALU | BPF_DIV | BPF_K, 0), statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}));
}
