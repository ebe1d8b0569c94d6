#include "process_runner.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace memtrace::integration {
namespace {

std::string readAll(int fd)
{
    std::string text;
    lseek(fd, 0, SEEK_SET);
    char buffer[65536];
    for (;;) {
        const ssize_t n = read(fd, buffer, sizeof buffer);
        if (n > 0) {
            text.append(buffer, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    return text;
}

std::vector<std::string> buildEnvironment(const ProcessOptions& options)
{
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    for (const auto& [name, value] : options.environment) {
        const std::string prefix = name + "=";
        std::erase_if(env, [&](const std::string& entry) { return entry.starts_with(prefix); });
        if (value) env.push_back(prefix + *value);
    }
    return env;
}

}  // namespace

std::string ProcessResult::describe() const
{
    std::string text = "status " + std::to_string(status);
    if (killedBySignal) text += " (killed by signal " + std::to_string(status - 128) + ")";
    if (timedOut) text += " (TIMED OUT)";
    text += "\n--- stdout ---\n" + out + "--- stderr ---\n" + err + "--------------";
    return text;
}

ProcessResult runProcess(const ProcessOptions& options)
{
    ProcessResult result;
    // memfds rather than pipes: nothing to drain while waiting, and grandchildren that keep
    // the descriptors open cannot make the wait hang.
    const int outFd = memfd_create("stdout", MFD_CLOEXEC);
    const int errFd = memfd_create("stderr", MFD_CLOEXEC);
    if (outFd < 0 || errFd < 0) {
        result.err = std::string("memfd_create failed: ") + std::strerror(errno);
        return result;
    }
    // O_APPEND: a memfd has no atomic file position (it is not opened like a regular file), so
    // processes sharing it (a program and its forked children) would write over each other's
    // lines at the same offset. Appends are atomic.
    fcntl(outFd, F_SETFL, O_APPEND);
    fcntl(errFd, F_SETFL, O_APPEND);

    std::vector<std::string> env = buildEnvironment(options);
    std::vector<char*> envp;
    for (auto& entry : env) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = options.argv;
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    const pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        dup2(outFd, STDOUT_FILENO);
        dup2(errFd, STDERR_FILENO);
        const int devNull = open("/dev/null", O_RDONLY);
        if (devNull >= 0) dup2(devNull, STDIN_FILENO);
        if (!options.workingDirectory.empty() && chdir(options.workingDirectory.c_str()) != 0) _exit(126);
        execve(argv[0], argv.data(), envp.data());
        const char* message = "integration test: exec failed\n";
        (void)!write(STDERR_FILENO, message, std::strlen(message));
        _exit(127);
    }
    if (pid < 0) {
        result.err = std::string("fork failed: ") + std::strerror(errno);
        close(outFd);
        close(errFd);
        return result;
    }
    setpgid(pid, pid);

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeoutSeconds);
    int waitStatus = 0;
    for (;;) {
        const pid_t done = waitpid(pid, &waitStatus, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) break;
        if (std::chrono::steady_clock::now() > deadline) {
            result.timedOut = true;
            kill(-pid, SIGKILL);
            waitpid(pid, &waitStatus, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (WIFEXITED(waitStatus)) {
        result.status = WEXITSTATUS(waitStatus);
    } else if (WIFSIGNALED(waitStatus)) {
        result.status = 128 + WTERMSIG(waitStatus);
        result.killedBySignal = true;
    }
    result.out = readAll(outFd);
    result.err = readAll(errFd);
    close(outFd);
    close(errFd);
    return result;
}

ProcessResult runCommand(std::vector<std::string> argv, int timeoutSeconds)
{
    ProcessOptions options;
    options.argv = std::move(argv);
    options.timeoutSeconds = timeoutSeconds;
    return runProcess(options);
}

}  // namespace memtrace::integration
