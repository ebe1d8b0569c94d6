// seccomp_sandbox MODE: sandboxes itself with a seccomp filter, then allocates, as sshd's
// privilege-separation child or a program using libseccomp does.
//   allowlist          prctl(PR_SET_SECCOMP) with an allowlist of what this program needs
//                      (not gettid, openat, pread64...: what the shim would call); anything else
//                      kills the process (SECCOMP_RET_KILL_PROCESS)
//   allowlist-syscall  the same filter through syscall(SYS_seccomp, ...), as libseccomp does
//   allowlist-tsync    the same with SECCOMP_FILTER_FLAG_TSYNC: every thread of the process
//   denylist           a filter that kills on ptrace, mount and kexec_load only
// Exact allocations: before the filter, 1000 x malloc(48), every second one freed (make_blocks);
// after it, 1000 x malloc(64) on the main thread and 1000 x malloc(64) on a second thread
// (sandboxed_work), each freed at once.
// Prints "seccomp_sandbox: MODE: done"; exits 2 on a bad MODE, 3 if the filter is refused.
#define _GNU_SOURCE
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../example_output.h"

static void* volatile kept[500];

__attribute__((noinline)) static void make_blocks(void)
{
    for (int i = 0; i < 1000; ++i) {
        void* p = malloc(48);
        if (i % 2) free(p);
        else kept[i / 2] = p;
    }
}

__attribute__((noinline)) static void* sandboxed_work(void* arg)
{
    (void)arg;
    for (int i = 0; i < 1000; ++i) {
        void* volatile p = malloc(64);
        free(p);
    }
    return NULL;
}

#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define KILL(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

static struct sock_filter g_allowlist[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    ALLOW(SYS_read), ALLOW(SYS_write), ALLOW(SYS_exit_group), ALLOW(SYS_exit), ALLOW(SYS_brk), ALLOW(SYS_mmap),
    ALLOW(SYS_munmap), ALLOW(SYS_mprotect), ALLOW(SYS_madvise), ALLOW(SYS_rt_sigreturn), ALLOW(SYS_rt_sigprocmask), ALLOW(SYS_rt_sigaction),
    ALLOW(SYS_futex), ALLOW(SYS_newfstatat), ALLOW(SYS_fstat), ALLOW(SYS_getrandom), ALLOW(SYS_ioctl),
    ALLOW(SYS_clone3), ALLOW(SYS_clone), ALLOW(SYS_set_robust_list), ALLOW(SYS_rseq),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
};

static struct sock_filter g_denylist[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    KILL(SYS_ptrace), KILL(SYS_mount), KILL(SYS_kexec_load),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

int main(int argc, char** argv)
{
    const char* mode = argc > 1 ? argv[1] : "";
    const int deny = strcmp(mode, "denylist") == 0;
    struct sock_fprog program = {deny ? sizeof g_denylist / sizeof g_denylist[0] : sizeof g_allowlist / sizeof g_allowlist[0],
                                 deny ? g_denylist : g_allowlist};
    make_blocks();
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 3;
    long rc;
    if (strcmp(mode, "allowlist") == 0 || deny) rc = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program);
    else if (strcmp(mode, "allowlist-syscall") == 0) rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program);
    else if (strcmp(mode, "allowlist-tsync") == 0) rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &program);
    else {
        say("seccomp_sandbox: unknown mode %s\n", mode);
        return 2;
    }
    if (rc != 0) return 3;
    sandboxed_work(NULL);
    pthread_t thread;
    if (pthread_create(&thread, NULL, sandboxed_work, NULL) != 0) return 3;
    pthread_join(thread, NULL);
    say("seccomp_sandbox: %s: done\n", mode);
    return 0;
}
