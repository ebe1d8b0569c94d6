#include "seccomp_filter.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace memtrace::shim {
namespace {

// Every system call the shim may make once the program runs: hooks on any thread (a thread's
// first event, a full ring, a drain, an exec, an exit, a fatal signal), the writer thread, the
// control channel, libunwind's address checks and a writer restart.
constexpr int kShimSyscalls[] = {
    SYS_read, SYS_write, SYS_pread64, SYS_pwrite64, SYS_openat, SYS_close, SYS_lseek, SYS_fstat,
    SYS_newfstatat, SYS_mmap, SYS_munmap, SYS_mprotect, SYS_madvise, SYS_mincore, SYS_brk, SYS_futex,
    SYS_gettid, SYS_getpid, SYS_getppid, SYS_tgkill, SYS_rt_sigprocmask, SYS_rt_sigaction, SYS_rt_sigreturn,
    SYS_sigaltstack, SYS_sched_yield, SYS_nanosleep, SYS_clock_nanosleep, SYS_clock_gettime, SYS_gettimeofday,
    SYS_getrusage, SYS_pipe2, SYS_fcntl, SYS_dup3, SYS_prctl, SYS_exit, SYS_exit_group, SYS_clone, SYS_clone3,
    SYS_set_robust_list, SYS_rseq, SYS_socket, SYS_bind, SYS_recvmsg, SYS_sendmsg, SYS_sendto, SYS_setsockopt,
    SYS_getrandom, SYS_readlink, SYS_prlimit64,
};

// The seccomp_data the filter sees for system call `nr` with zero arguments.
struct Data {
    uint32_t nr;
    uint32_t arch;
    uint64_t instructionPointer;
    uint64_t args[6];
};
static_assert(sizeof(Data) == sizeof(seccomp_data));

bool load(const Data& data, uint32_t offset, uint32_t& value)
{
    if (offset % 4 != 0 || offset + 4 > sizeof data) return false;
    std::memcpy(&value, reinterpret_cast<const char*>(&data) + offset, 4);
    return true;
}

// Runs the classic-BPF program as the kernel would; false if an instruction is not one seccomp
// accepts (then the caller assumes the worst). `action` gets the returned value.
bool run(const sock_filter* code, unsigned length, const Data& data, uint32_t& action)
{
    uint32_t a = 0, x = 0, memory[BPF_MEMWORDS] = {};
    for (unsigned pc = 0, steps = 0; pc < length && steps < 4096; ++pc, ++steps) {
        const sock_filter& in = code[pc];
        const uint32_t k = in.k;
        switch (in.code) {
        case BPF_LD | BPF_W | BPF_ABS:
            if (!load(data, k, a)) return false;
            break;
        case BPF_LD | BPF_W | BPF_LEN: a = sizeof data; break;
        case BPF_LDX | BPF_W | BPF_LEN: x = sizeof data; break;
        case BPF_LD | BPF_IMM: a = k; break;
        case BPF_LDX | BPF_IMM: x = k; break;
        case BPF_LD | BPF_MEM:
            if (k >= BPF_MEMWORDS) return false;
            a = memory[k];
            break;
        case BPF_LDX | BPF_MEM:
            if (k >= BPF_MEMWORDS) return false;
            x = memory[k];
            break;
        case BPF_ST:
            if (k >= BPF_MEMWORDS) return false;
            memory[k] = a;
            break;
        case BPF_STX:
            if (k >= BPF_MEMWORDS) return false;
            memory[k] = x;
            break;
        case BPF_MISC | BPF_TAX: x = a; break;
        case BPF_MISC | BPF_TXA: a = x; break;
        case BPF_RET | BPF_K: action = k; return true;
        case BPF_RET | BPF_A: action = a; return true;
        case BPF_JMP | BPF_JA:
            if (k >= length - pc - 1) return false;
            pc += k;
            break;
        default: {
            const uint16_t cls = BPF_CLASS(in.code);
            const uint32_t operand = BPF_SRC(in.code) == BPF_X ? x : k;
            if (cls == BPF_JMP) {
                bool taken;
                switch (BPF_OP(in.code)) {
                case BPF_JEQ: taken = a == operand; break;
                case BPF_JGT: taken = a > operand; break;
                case BPF_JGE: taken = a >= operand; break;
                case BPF_JSET: taken = (a & operand) != 0; break;
                default: return false;
                }
                const unsigned offset = taken ? in.jt : in.jf;
                if (offset >= length - pc - 1) return false;
                pc += offset;
            } else if (cls == BPF_ALU) {
                switch (BPF_OP(in.code)) {
                case BPF_ADD: a += operand; break;
                case BPF_SUB: a -= operand; break;
                case BPF_MUL: a *= operand; break;
                case BPF_DIV:
                    if (operand == 0) return false;
                    a /= operand;
                    break;
                case BPF_MOD:
                    if (operand == 0) return false;
                    a %= operand;
                    break;
                case BPF_AND: a &= operand; break;
                case BPF_OR: a |= operand; break;
                case BPF_XOR: a ^= operand; break;
                case BPF_LSH: a = operand < 32 ? a << operand : 0; break;
                case BPF_RSH: a = operand < 32 ? a >> operand : 0; break;
                case BPF_NEG: a = 0u - a; break;
                default: return false;
                }
            } else {
                return false;
            }
        }
        }
    }
    return false;  // ran off the end (the kernel refuses such a program)
}

}  // namespace

bool seccompFilterAllowsShim(const sock_fprog* program)
{
    if (!program || !program->filter || program->len == 0 || program->len > BPF_MAXINSNS) return false;
    for (const int nr : kShimSyscalls) {
        Data data{};
        data.nr = static_cast<uint32_t>(nr);
        data.arch = AUDIT_ARCH_X86_64;
        uint32_t action = 0;
        if (!run(program->filter, program->len, data, action)) return false;
        const uint32_t kind = action & SECCOMP_RET_ACTION_FULL;
        if (kind != SECCOMP_RET_ALLOW && kind != SECCOMP_RET_LOG) return false;
    }
    return true;
}

}  // namespace memtrace::shim
