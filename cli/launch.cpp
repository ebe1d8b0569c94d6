#include "launch.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memtrace/launch_env.h"
#include "exec_chain.h"
#include "output_path.h"
#include "signal_relay.h"

namespace memtrace::cli {
namespace {

std::string capturePathFor(const LaunchRequest& request, pid_t pid, const std::string& cwd)
{
    const std::string name = request.outputPattern.empty()
                                 ? defaultCaptureName(request.argv[0], pid)
                                 : expandOutputPattern(request.outputPattern, pid, hostName());
    return absolutePath(name, cwd);
}

std::string directoryOf(const std::string& path)
{
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

// Runs in the forked child: only async-signal-safe work would be strictly required, but the
// launcher is single-threaded, so ordinary library calls are safe here.
// Tells the launcher why the child could not start the program ("STATUS MESSAGE" on the pipe).
[[noreturn]] void failInChild(int errorPipe, const std::string& message, int status)
{
    const std::string line = std::to_string(status) + " " + message;
    (void)!write(errorPipe, line.data(), line.size());
    _exit(status);
}

[[noreturn]] void execChild(const LaunchRequest& request, const std::string& cwd, int errorPipe)
{
    auto fail = [&](const std::string& message, int status) { failInChild(errorPipe, message, status); };
    const std::string path = capturePathFor(request, getpid(), cwd);
    struct stat st {};
    if (lstat(path.c_str(), &st) == 0) {
        if (!request.force) fail(path + " already exists (use --force to overwrite)", 2);
        if (unlink(path.c_str()) != 0) fail("cannot remove " + path + ": " + std::strerror(errno), 2);
    }
    // The captures of images this process may exec into (exec_chain.h), and with --follow-fork
    // those of its children (CAPTURE.<pid>), belong to this run too: left over from an earlier
    // one, they would make an exec'd image or a child whose pid came round again fail to create
    // its own, and that program would run untraced.
    std::vector<std::string> stale = existingNumberedCaptures(path, ".exec");
    if (request.followFork) {
        const std::vector<std::string> children = existingNumberedCaptures(path, ".");
        stale.insert(stale.end(), children.begin(), children.end());
    }
    for (const std::string& old : stale) {
        if (!request.force) fail(old + " already exists (use --force to overwrite)", 2);
        if (unlink(old.c_str()) != 0) fail("cannot remove " + old + ": " + std::strerror(errno), 2);
    }
    // The shim creates the capture once the program starts; find out now whether it can (a
    // missing or read-only directory), rather than after a run that leaves nothing.
    const int probe = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (probe < 0) fail("cannot create the capture file " + path + ": " + std::strerror(errno), 2);
    close(probe);
    unlink(path.c_str());
    std::string preload = request.shimPath;
    if (const char* existing = getenv("LD_PRELOAD"); existing && *existing) preload += std::string(":") + existing;
    setenv("LD_PRELOAD", preload.c_str(), 1);
    setenv(env::kOutput, path.c_str(), 1);
    setenv(env::kOutputDir, directoryOf(path).c_str(), 1);
    setenv(env::kRootPid, std::to_string(getpid()).c_str(), 1);
    setenv(env::kFollowFork, request.followFork ? "1" : "0", 1);
    setenv(env::kMaxDepth, std::to_string(request.maxDepth).c_str(), 1);
    setenv(env::kRssIntervalMs, std::to_string(request.rssIntervalMs).c_str(), 1);
    setenv(env::kFlushIntervalMs, std::to_string(request.flushIntervalMs).c_str(), 1);
    setenv(env::kTimeResolutionUs, std::to_string(request.timeResolutionUs).c_str(), 1);
    setenv(env::kUnwind, request.unwind.c_str(), 1);
    unsetenv(env::kExecGeneration);

    std::vector<char*> argv;
    for (const auto& arg : request.argv) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    const int status = errno == ENOENT ? 127 : 126;
    failInChild(errorPipe, "cannot run " + request.argv[0] + ": " + std::strerror(errno), status);
}

}  // namespace

LaunchResult launchTraced(const LaunchRequest& request)
{
    LaunchResult result;
    const std::string cwd = currentDirectory();
    int errorPipe[2];
    if (pipe2(errorPipe, O_CLOEXEC) != 0) {
        result.error = std::string("pipe: ") + std::strerror(errno);
        result.exitStatus = 2;
        return result;
    }
    prepareSignalRelay();
    const pid_t pid = fork();
    if (pid < 0) {
        startSignalRelay(-1);
        result.error = std::string("fork: ") + std::strerror(errno);
        result.exitStatus = 2;
        return result;
    }
    if (pid == 0) {
        restoreSignalsInChild();
        close(errorPipe[0]);
        execChild(request, cwd, errorPipe[1]);
    }
    startSignalRelay(pid);
    close(errorPipe[1]);
    result.pid = pid;
    result.capturePath = capturePathFor(request, pid, cwd);

    // The pipe is close-on-exec: EOF without data means the exec succeeded.
    std::string message;
    char buffer[512];
    for (;;) {
        const ssize_t n = read(errorPipe[0], buffer, sizeof(buffer));
        if (n > 0) message.append(buffer, static_cast<size_t>(n));
        else if (n == 0 || errno != EINTR) break;
    }
    close(errorPipe[0]);

    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    stopSignalRelay();
    result.waitStatus = status;
    if (!message.empty()) {
        const auto space = message.find(' ');
        result.exitStatus = std::atoi(message.substr(0, space).c_str());
        result.error = message.substr(space + 1);
        return result;
    }
    result.started = true;
    if (WIFEXITED(status)) {
        result.exitStatus = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.exitStatus = 128 + WTERMSIG(status);
        result.killedBySignal = WTERMSIG(status);
    }
    return result;
}

}  // namespace memtrace::cli
