// Starts the traced program with the shim preloaded and waits for it (`memtrace run`).
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace memtrace::cli {

struct LaunchRequest {
    std::vector<std::string> argv;  // program and its arguments
    std::string outputPattern;      // -o value, empty for the default name
    std::string shimPath;           // absolute path of libmemtrace_preload.so
    bool force = false;
    bool followFork = false;
    unsigned maxDepth = 128;
    unsigned rssIntervalMs = 10;
    unsigned flushIntervalMs = 100;
    unsigned timeResolutionUs = 100;
    std::string unwind = "libunwind";
};

struct LaunchResult {
    bool started = false;     // the program was exec'd
    int exitStatus = 0;       // as a shell reports it: code, or 128+signal; launcher errors otherwise
    int killedBySignal = 0;   // the signal that killed the program (0: it exited); the launcher
                              // then dies of it too (signal_relay.h), exitStatus is for reports
    int waitStatus = 0;       // raw waitpid status when started
    pid_t pid = -1;
    std::string capturePath;  // absolute
    std::string error;        // why it did not start
};

LaunchResult launchTraced(const LaunchRequest& request);

}  // namespace memtrace::cli
