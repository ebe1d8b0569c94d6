#include "signal_relay.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace memtrace::cli {
namespace {

constexpr int kRelayedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
constexpr int kRelayedCount = sizeof kRelayedSignals / sizeof kRelayedSignals[0];

volatile sig_atomic_t g_program = 0;  // the program's pid while it runs, else 0
struct sigaction g_startDispositions[kRelayedCount];
sigset_t g_startMask;

// ---- From here to relaySignal everything runs in the signal handler: async-signal-safe calls
// only (open, read, close, getpid, getppid, getpgrp, kill, sigqueue; getpgid is a bare system
// call too), no allocation, no stdio, no locks.

// "/proc/PID/stat" into `path`.
void statPath(pid_t pid, char (&path)[32])
{
    char digits[12];
    int count = 0;
    auto value = static_cast<unsigned>(pid);
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0 && count < 11);
    int at = 0;
    for (const char* c = "/proc/"; *c; ++c) path[at++] = *c;
    while (count > 0) path[at++] = digits[--count];
    for (const char* c = "/stat"; *c; ++c) path[at++] = *c;
    path[at] = '\0';
}

struct ProcessIds {
    pid_t parent = 0;
    pid_t group = 0;
};

// PPID and PGRP of `pid` from /proc/PID/stat ("PID (COMM) STATE PPID PGRP ..."; COMM may hold
// spaces and parentheses, so the last ')' ends it); false if the process is gone.
bool readProcessIds(pid_t pid, ProcessIds& ids)
{
    char path[32];
    statPath(pid, path);
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char text[512];  // COMM is at most 15 bytes: PGRP is well inside
    const ssize_t length = read(fd, text, sizeof text);
    close(fd);
    if (length <= 0) return false;
    const char* const end = text + length;
    const char* p = nullptr;
    for (const char* c = text; c < end; ++c) {
        if (*c == ')') p = c;
    }
    if (!p) return false;
    auto skipSpaces = [&] {
        while (p < end && *p == ' ') ++p;
    };
    auto number = [&] {
        pid_t value = 0;
        for (; p < end && *p >= '0' && *p <= '9'; ++p) value = value * 10 + (*p - '0');
        return value;
    };
    ++p;
    skipSpaces();
    while (p < end && *p != ' ') ++p;  // STATE
    skipSpaces();
    ids.parent = number();
    skipSpaces();
    ids.group = number();
    return ids.parent > 0 || ids.group > 0;
}

// Whether `sender` is the program or one of its descendants (a `kill -USR1 $PPID` in a script
// may be sent by a forked /bin/kill). A descendant that was re-parented (a daemon's double fork)
// or has already ended and been reaped is not found: its signals go to the program as anyone
// else's. `senderGroup` gets the sender's process group (0 if unknown).
bool sentByProgramTree(pid_t sender, pid_t program, pid_t& senderGroup)
{
    const pid_t self = getpid();
    senderGroup = 0;
    for (int depth = 0; depth < 64 && sender > 1 && sender != self; ++depth) {
        ProcessIds ids;
        const bool known = readProcessIds(sender, ids);
        if (depth == 0 && known) senderGroup = ids.group;
        if (sender == program) return true;
        if (!known) return false;
        sender = ids.parent;
    }
    return false;
}

// A signal from the program's tree reached the launcher either because the sender meant its
// parent (kill(getppid(), sig): the launcher is in the way of the process that started it), or
// because it signalled its process group (kill(0, sig), a script's `kill 0`), which the launcher
// shares. The two look the same (siginfo has no "group" flag). Passing it on is right for the
// first; for the second it gives the parent a copy it would also have had untracked if it is in
// that group, and one it would never have had if it is not. So the signal goes to the parent
// unless the sender is in the launcher's group and the parent is not: then nobody gets it.
bool parentShouldGetIt(pid_t senderGroup)
{
    const pid_t ourGroup = getpgrp();
    if (getpgid(getppid()) == ourGroup) return true;
    return senderGroup != 0 && senderGroup != ourGroup;
}

// Passes the signal on, keeping sigqueue's value.
void send(pid_t to, int sig, const siginfo_t& info)
{
    if (info.si_code == SI_QUEUE) sigqueue(to, sig, info.si_value);
    else kill(to, sig);
}

void relaySignal(int sig, siginfo_t* info, void*)
{
    const int savedErrno = errno;
    const pid_t program = g_program;
    // si_code > 0: the kernel sent it (Ctrl-C is SI_KERNEL) to the whole process group, so the
    // program has its own copy. si_code <= 0: a process called kill, sigqueue or tgkill.
    if (program > 0 && info && info->si_code <= 0) {
        pid_t senderGroup = 0;
        // Never back to the program: it did not expect to receive what it sent (a worker's
        // SIGUSR1 to its supervisor killed it).
        if (!sentByProgramTree(info->si_pid, program, senderGroup)) send(program, sig, *info);
        else if (parentShouldGetIt(senderGroup)) send(getppid(), sig, *info);
    }
    errno = savedErrno;
}

// ---- End of signal-handler code.

sigset_t relayedSet()
{
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kRelayedSignals) sigaddset(&set, sig);
    return set;
}

}  // namespace

void prepareSignalRelay()
{
    const sigset_t relayed = relayedSet();
    sigprocmask(SIG_BLOCK, &relayed, &g_startMask);
    struct sigaction action {};
    action.sa_sigaction = relaySignal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    action.sa_mask = relayed;
    for (int i = 0; i < kRelayedCount; ++i) sigaction(kRelayedSignals[i], &action, &g_startDispositions[i]);
}

void restoreSignalsInChild()
{
    for (int i = 0; i < kRelayedCount; ++i) sigaction(kRelayedSignals[i], &g_startDispositions[i], nullptr);
    // What arrived since fork is delivered now, with the program's own dispositions.
    sigprocmask(SIG_SETMASK, &g_startMask, nullptr);
}

void startSignalRelay(pid_t program)
{
    if (program > 0) g_program = program;
    sigprocmask(SIG_SETMASK, &g_startMask, nullptr);
}

void stopSignalRelay() { g_program = 0; }

void dieOfSignal(int sig)
{
    std::fflush(nullptr);
    // The launcher's own core dump is not wanted: the program's was written already, and a
    // second one would overwrite its `core` file. RLIMIT_CORE 0 stops a dump to a file, but a
    // core_pattern that pipes to a collector (systemd-coredump, apport) ignores the limit; a
    // process that is not dumpable is never dumped.
    const struct rlimit noCore {0, 0};
    setrlimit(RLIMIT_CORE, &noCore);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    struct sigaction byDefault {};
    byDefault.sa_handler = SIG_DFL;
    sigemptyset(&byDefault.sa_mask);
    sigaction(sig, &byDefault, nullptr);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    sigprocmask(SIG_UNBLOCK, &only, nullptr);
    raise(sig);
    std::exit(128 + sig);  // not reached for a signal that can kill
}

}  // namespace memtrace::cli
