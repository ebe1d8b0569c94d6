// `memtrace run [options] [--] PROGRAM [ARGS...]`
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <sys/stat.h>

#include "capture_append.h"
#include "command.h"
#include "launch.h"
#include "leak_check.h"
#include "shim_location.h"

namespace memtrace::cli {
namespace {

std::vector<std::string> g_programAfterDashes;

// The loader ignores LD_PRELOAD for set-user/group-id programs (secure-execution mode);
// say so instead of producing a silently empty result.
bool isSetId(const std::string& program)
{
    struct stat st {};
    return program.find('/') != std::string::npos && stat(program.c_str(), &st) == 0 &&
           (st.st_mode & (S_ISUID | S_ISGID)) && getuid() != 0;
}

struct RunOptions {
    bool leaks = false;  // print the leak report after the program ends
    LeakCheckOptions leakCheck;
};

int runTraced(LaunchRequest request, const RunOptions& options)
{
    if (request.argv.empty()) {
        std::fprintf(stderr, "memtrace run: no program given\n");
        return kExitBadInput;
    }
    if (request.argv.front().size() > 1 && request.argv.front()[0] == '-') {
        std::fprintf(stderr, "memtrace run: unknown option %s (put the program after --)\n", request.argv.front().c_str());
        return kExitBadInput;
    }
    request.shimPath = findShim();
    if (request.shimPath.empty()) {
        std::fprintf(stderr, "memtrace run: cannot find libmemtrace_preload.so (set MEMTRACE_PRELOAD)\n");
        return kExitBadInput;
    }
    if (isSetId(request.argv[0]))
        std::fprintf(stderr, "memtrace: %s is set-user/group-id: the loader ignores LD_PRELOAD, it runs untracked\n",
                     request.argv[0].c_str());

    const LaunchResult result = launchTraced(request);
    if (!result.started) {
        std::fprintf(stderr, "memtrace run: %s\n", result.error.c_str());
        return result.exitStatus;
    }
    switch (appendExitStatus(result.capturePath, result.waitStatus)) {
    case AppendOutcome::Appended:
        std::fprintf(stderr, "memtrace: capture written to %s\n", result.capturePath.c_str());
        break;
    case AppendOutcome::CaptureCut:
        std::fprintf(stderr, "memtrace: capture written to %s (cut short: the process died while writing)\n",
                     result.capturePath.c_str());
        break;
    case AppendOutcome::NoCapture:
        std::fprintf(stderr, "memtrace: no capture was written: %s did not load the shim (static or set-id program?)\n",
                     request.argv[0].c_str());
        break;
    case AppendOutcome::Failed:
        std::fprintf(stderr, "memtrace: capture written to %s (exit status not recorded)\n", result.capturePath.c_str());
        break;
    }
    if (options.leaks || !options.leakCheck.failOnLeak.empty()) {
        // The report goes to stderr so the program's own stdout stays exactly as it was.
        return runLeakCheck(result.capturePath, options.leakCheck, stderr, result.exitStatus);
    }
    return result.exitStatus;
}

}  // namespace

void setProgramArguments(std::vector<std::string> argv) { g_programAfterDashes = std::move(argv); }

CommandAction addRunCommand(CLI::App& app)
{
    auto request = std::make_shared<LaunchRequest>();
    auto options = std::make_shared<RunOptions>();
    CLI::App* run = app.add_subcommand("run", "Run a program and record its allocations");
    run->add_option("-o,--output", request->outputPattern, "Capture file (%p = pid, %h = hostname)");
    run->add_flag("--force", request->force, "Overwrite an existing capture file");
    run->add_flag("--follow-fork", request->followFork, "Trace forked children and exec'd programs too");
    run->add_option("--max-depth", request->maxDepth, "Stack frames recorded per event")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    run->add_option("--rss-interval", request->rssIntervalMs, "RSS sampling interval in ms")
        ->check(CLI::Range(1, 3600000))
        ->capture_default_str();
    run->add_option("--flush-interval", request->flushIntervalMs, "Longest time between two flushes, in ms")
        ->check(CLI::Range(1, 3600000))
        ->capture_default_str();
    run->add_option("--unwind", request->unwind, "Stack unwinder")
        ->check(CLI::IsMember({"libunwind", "fp"}))
        ->capture_default_str();
    run->add_flag("--leaks", options->leaks, "Print the leak report on stderr after the program exits");
    addLeakCheckOptions(*run, options->leakCheck, false);
    // Everything from the program name on belongs to the program, not to memtrace: the
    // first positional stops option parsing (prefix command). "--" is split off by main.
    run->prefix_command();
    return [run, request, options] {
        request->argv = g_programAfterDashes.empty() ? run->remaining() : g_programAfterDashes;
        return runTraced(*request, *options);
    };
}

}  // namespace memtrace::cli
