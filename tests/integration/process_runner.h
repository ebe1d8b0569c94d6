// Runs a program the way a user's shell would, and keeps what it printed and how it ended.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace memtrace::integration {

struct ProcessOptions {
    std::vector<std::string> argv;
    // Variables to set (value) or remove (nullopt) on top of this process's environment.
    std::vector<std::pair<std::string, std::optional<std::string>>> environment;
    std::string workingDirectory;  // empty: the test's own
    int timeoutSeconds = 120;
};

struct ProcessResult {
    // As a shell reports it: the exit code, or 128 + N if the process was killed by signal N.
    int status = -1;
    bool killedBySignal = false;
    bool timedOut = false;
    std::string out;
    std::string err;

    std::string describe() const;  // for failure messages
};

// fork + exec with stdout and stderr captured separately; the child gets its own process
// group, which is killed whole if the timeout expires.
ProcessResult runProcess(const ProcessOptions& options);

// runProcess with only a command line.
ProcessResult runCommand(std::vector<std::string> argv, int timeoutSeconds = 120);

}  // namespace memtrace::integration
