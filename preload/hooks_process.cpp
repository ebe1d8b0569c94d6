// Process-level hooks: dlclose, the exec family, _exit/_Exit/quick_exit and main (for the exit
// status, exit_status.h), thread names.
//
// dlopen is deliberately NOT interposed: glibc resolves a dlopen'ed name with the RUNPATH and
// $ORIGIN of the *calling* object (taken from the return address), so a hook would make every
// dlopen look like it came from the shim and break programs that rely on their RUNPATH. New
// objects are noticed by the writer instead: every drain compares dl_iterate_phdr's
// dlpi_adds/dlpi_subs counters and re-emits the ModuleMap when they moved.
#include <dlfcn.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <spawn.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "cfi_rules.h"
#include "exec_environment.h"
#include "exit_status.h"
#include "hidden_environment.h"
#include "sandbox_guard.h"
#include "shim_variables.h"
#include "hook_support.h"
#include "real_functions.h"
#include "writer_thread.h"

using namespace memtrace::shim;

namespace {

// The exec protocol: flush everything and write End(Exec), then exec with the next generation
// in the environment. If exec returns it failed: resume tracking.
//
// A vfork child (or posix_spawn's) shares the parent's memory and runs on its thread: it is
// recognised by getpid() != our pid and passes straight through, writing nothing anywhere.
// A process the capture does not follow (without --follow-fork: any but the one memtrace
// started) execs its program with the environment it would have untracked: without the shim's
// LD_PRELOAD entry and the MEMTRACE_ variables. Else the program loads the shim only for it to
// stay inactive, and inside a sandbox or chroot that lacks the shim's path the loader prints
// an error on its stderr (bwrap, session-21 sweep). Readable in a vfork child (shared memory).
bool childrenUntracked() { return g_config.hasOutput && !g_config.followFork && g_config.rootPid > 0; }
bool execsUntracked() { return childrenUntracked() && getpid() != g_config.rootPid; }

constexpr size_t kMaxEnvironment = 1 << 16;  // entries; a larger envp is passed as it is

// envp without the shim's variables, in `slots` (count + 1 entries) and `preload` (for the
// edited LD_PRELOAD), both on the caller's stack: a vfork child must not allocate.
char* const* withoutShim(char* const* envp, char** slots, char* preload)
{
    size_t n = 0;
    for (char* const* e = envp; *e; ++e) {
        if (isMemtraceVariable(*e)) continue;
        if (isPreloadVariable(*e)) {
            if (preloadWithoutShim(*e + sizeof kPreloadPrefix - 1, preload)) slots[n++] = preload;
            continue;
        }
        slots[n++] = *e;
    }
    slots[n] = nullptr;
    return slots;
}

// call(envp without the shim's variables) if `untracked`, else call(envp).
template <class Call>
int withUntrackedEnvironment(char* const* envp, bool untracked, Call&& call)
{
    if (envp && untracked) {
        size_t count = 0, preloadBytes = 0;
        for (char* const* e = envp; *e && count < kMaxEnvironment; ++e, ++count)
            if (isPreloadVariable(*e)) preloadBytes = std::strlen(*e) + 1;
        if (count < kMaxEnvironment) {
            auto** slots = static_cast<char**>(__builtin_alloca((count + 1) * sizeof(char*)));
            auto* preload = static_cast<char*>(__builtin_alloca(preloadBytes + sizeof kPreloadPrefix));
            return call(withoutShim(envp, slots, preload));
        }
    }
    return call(envp);
}

template <class Call>
int tracedExec(char* const* envp, Call&& call)
{
    if (execsUntracked()) return withUntrackedEnvironment(envp, true, call);
    if (t_inShim || !isActive() || getpid() != g_pid) return call(envp);
    ShimScope guard;
    ExecEnvironment environment(envp, g_config.execGeneration + 1, hiddenEnvironment());
    if (!suspendForExec()) return call(envp);
    const int rc = call(environment.get());
    const int error = errno;
    resumeAfterFailedExec();
    errno = error;
    return rc;
}

// posix_spawn's child is never the process memtrace started: without --follow-fork it runs
// its program with the environment it gets untracked (as a child's exec above). glibc's own
// spawns (system, popen) call its internal posix_spawn and are not seen here: they pass on
// `environ`, from which the process memtrace started has its variables hidden already
// (hidden_environment.h).
template <class Call>
int spawn(char* const* envp, Call&& call)
{
    return withUntrackedEnvironment(envp, childrenUntracked(), call);
}

int execveHook(const char* path, char* const argv[], char* const envp[])
{
    RealFunctions& r = real();
    return tracedExec(envp, [&](char* const* env) { return r.execve(path, argv, env); });
}

int execvpeHook(const char* file, char* const argv[], char* const envp[])
{
    RealFunctions& r = real();
    return tracedExec(envp, [&](char* const* env) { return r.execvpe(file, argv, env); });
}

// Collects execl-style arguments (terminated by a null pointer) into an argv on the stack.
#define MEMTRACE_COLLECT_ARGS(first, argvOut, after)                                    \
    size_t count_ = 1;                                                                  \
    {                                                                                   \
        va_list probe;                                                                  \
        va_start(probe, first);                                                         \
        while (va_arg(probe, const char*)) ++count_;                                    \
        va_end(probe);                                                                  \
    }                                                                                   \
    char** argvOut = static_cast<char**>(__builtin_alloca((count_ + 1) * sizeof(char*))); \
    {                                                                                   \
        va_list ap;                                                                     \
        va_start(ap, first);                                                            \
        argvOut[0] = const_cast<char*>(first);                                          \
        for (size_t i_ = 1; i_ <= count_; ++i_) argvOut[i_] = va_arg(ap, char*);        \
        after;                                                                          \
        va_end(ap);                                                                     \
    }

}  // namespace

MEMTRACE_EXPORT int execve(const char* path, char* const argv[], char* const envp[]) noexcept
{
    return execveHook(path, argv, envp);
}

MEMTRACE_EXPORT int execv(const char* path, char* const argv[]) noexcept
{
    return execveHook(path, argv, environ);
}

MEMTRACE_EXPORT int execvp(const char* file, char* const argv[]) noexcept
{
    return execvpeHook(file, argv, environ);
}

MEMTRACE_EXPORT int execvpe(const char* file, char* const argv[], char* const envp[]) noexcept
{
    return execvpeHook(file, argv, envp);
}

MEMTRACE_EXPORT int posix_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
                                const posix_spawnattr_t* attributes, char* const argv[], char* const envp[]) noexcept
{
    RealFunctions& r = real();
    return spawn(envp, [&](char* const* env) { return r.posix_spawn(pid, path, actions, attributes, argv, env); });
}

MEMTRACE_EXPORT int posix_spawnp(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions,
                                 const posix_spawnattr_t* attributes, char* const argv[], char* const envp[]) noexcept
{
    RealFunctions& r = real();
    return spawn(envp, [&](char* const* env) { return r.posix_spawnp(pid, file, actions, attributes, argv, env); });
}

MEMTRACE_EXPORT int fexecve(int fd, char* const argv[], char* const envp[]) noexcept
{
    RealFunctions& r = real();
    return tracedExec(envp, [&](char* const* env) { return r.fexecve(fd, argv, env); });
}

MEMTRACE_EXPORT int execl(const char* path, const char* arg, ...) noexcept
{
    MEMTRACE_COLLECT_ARGS(arg, argv, (void)0)
    return execveHook(path, argv, environ);
}

MEMTRACE_EXPORT int execlp(const char* file, const char* arg, ...) noexcept
{
    MEMTRACE_COLLECT_ARGS(arg, argv, (void)0)
    return execvpeHook(file, argv, environ);
}

MEMTRACE_EXPORT int execle(const char* path, const char* arg, ...) noexcept
{
    char* const* envp = nullptr;
    MEMTRACE_COLLECT_ARGS(arg, argv, envp = va_arg(ap, char* const*))
    return execveHook(path, argv, envp);
}

// _exit skips atexit handlers and our destructor: write the capture's end here. A vfork child
// calling _exit after a failed exec is not us (getpid differs) and must not end the parent's
// capture.
#define MEMTRACE_QUICK_EXIT_HOOK(name)                                  \
    MEMTRACE_EXPORT __attribute__((noreturn)) void name(int status)     \
    {                                                                   \
        if (captureOpenOrEnding() && g_pid != 0 && getpid() == g_pid) { \
            noteExitCode(status);                                       \
            finishCapture(memtrace::format::EndReason::QuickExit);      \
        }                                                               \
        if (auto fn = resolvedOrNull(&RealFunctions::name)) fn(status); \
        syscall(SYS_exit_group, status);                                \
        __builtin_unreachable();                                        \
    }
MEMTRACE_QUICK_EXIT_HOOK(_exit)
MEMTRACE_QUICK_EXIT_HOOK(_Exit)
#undef MEMTRACE_QUICK_EXIT_HOOK

// quick_exit's status, for the end the at_quick_exit handler writes (shim_state.cpp).
MEMTRACE_EXPORT __attribute__((noreturn)) void quick_exit(int status) noexcept
{
    noteExitCode(status);
    if (auto fn = resolvedOrNull(&RealFunctions::quick_exit)) fn(status);
    syscall(SYS_exit_group, status);
    __builtin_unreachable();
}

// main is wrapped so that an on_exit handler is registered as it starts: registered after the
// loader's own exit handler (which __libc_start_main registers before calling main), it runs
// before it, so the status is known when the shim's destructor writes the capture's end.
namespace {
int (*g_programMain)(int, char**, char**) = nullptr;

// Its name is known to the reports (report/report_stack.cpp), which treat it as start-up.
int mainWatchingExit(int argc, char** argv, char** envp)
{
    watchExitFromMain();
    // A tail call (at -O2): main's caller stays __libc_start_call_main, so stacks look as untracked.
    return g_programMain(argc, argv, envp);
}
}  // namespace

MEMTRACE_EXPORT int __libc_start_main(int (*main)(int, char**, char**), int argc, char** argv, void (*init)(),
                                      void (*fini)(), void (*rtldFini)(), void* stackEnd)
{
    using Real = int (*)(int (*)(int, char**, char**), int, char**, void (*)(), void (*)(), void (*)(), void*);
    Real fn = resolvedOrNull(&RealFunctions::libcStartMain);
    if (!fn) fn = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "__libc_start_main"));  // the shim did not start
    if (main != nullptr && isActive()) {
        g_programMain = main;
        main = mainWatchingExit;
    }
    return fn(main, argc, argv, init, fini, rtldFini, stackEnd);
}

// Before the library goes away, drain on this thread: every stack taken so far is emitted
// while the current module map still contains the library. After the real dlclose the writer
// sees dlpi_subs move and emits the new map.
MEMTRACE_EXPORT int dlclose(void* handle) noexcept
{
    RealFunctions& r = real();
    if (!t_inShim && isActive() && !inRawCloneChild()) drainNow();
    const int rc = r.dlclose(handle);
    g_codeUnloads.fetch_add(1, std::memory_order_release);  // every thread drops its unwind rules
    return rc;
}

MEMTRACE_EXPORT int pthread_setname_np(pthread_t thread, const char* name) noexcept
{
    RealFunctions& r = real();
    const int rc = r.pthread_setname_np(thread, name);
    if (rc == 0) {
        HookScope scope(LazyStart::Never);
        if (scope.recording()) recordThreadName(thread, name);
    }
    return rc;
}

// Variadic in glibc; every option takes at most four more arguments, all register-sized.
// An allocator names its mappings with prctl(PR_SET_VMA) while holding its lock (Chromium's
// PartitionAlloc): like the mapping hooks, this one never resolves or starts the shim.
MEMTRACE_EXPORT int prctl(int option, ...) noexcept
{
    va_list ap;
    va_start(ap, option);
    const unsigned long a2 = va_arg(ap, unsigned long);
    const unsigned long a3 = va_arg(ap, unsigned long);
    const unsigned long a4 = va_arg(ap, unsigned long);
    const unsigned long a5 = va_arg(ap, unsigned long);
    va_end(ap);
    if (option == PR_SET_SECCOMP)
        beforeSeccomp(a2 == SECCOMP_MODE_STRICT, a2 == SECCOMP_MODE_FILTER ? reinterpret_cast<const sock_fprog*>(a3) : nullptr);
    const auto next = resolvedOrNull(&RealFunctions::prctl);
    const int rc = next ? next(option, a2, a3, a4, a5) : static_cast<int>(syscall(SYS_prctl, option, a2, a3, a4, a5));
    if (rc == 0 && option == PR_SET_NAME) {
        HookScope scope(LazyStart::Never);
        if (scope.recording()) recordThreadName(pthread_self(), reinterpret_cast<const char*>(a2));
    }
    return rc;
}
