// `memtrace run [options] [--] PROGRAM [ARGS...]`
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>
#include <memory>
#include <sys/stat.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "memtrace/launch_env.h"

#include "capture_append.h"
#include "command.h"
#include "duration_arg.h"
#include "exec_chain.h"
#include "launch.h"
#include "leak_check.h"
#include "secure_exec.h"
#include "shim_location.h"
#include "signal_relay.h"

namespace memtrace::cli {
namespace {

std::vector<std::string> g_programAfterDashes;

// "4096", "512K", "512KiB", "1M", "2G": bytes, binary units; at least 1.
std::optional<uint64_t> parseSampleRate(const std::string& text)
{
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == 0 || digits > 15) return std::nullopt;
    uint64_t value = std::stoull(text.substr(0, digits));
    const std::string unit = text.substr(digits);
    if (unit == "K" || unit == "k" || unit == "KiB" || unit == "KB") value <<= 10;
    else if (unit == "M" || unit == "MiB" || unit == "MB") value <<= 20;
    else if (unit == "G" || unit == "GiB" || unit == "GB") value <<= 30;
    else if (!unit.empty() && unit != "B") return std::nullopt;
    if (value == 0) return std::nullopt;
    return value;
}

struct RunOptions {
    bool leaks = false;  // print the leak report after the program ends
    std::string soak;    // "--soak[=INTERVAL]": "" = off (docs/SOAK.md)
    std::string sampleRate;    // "--sample-rate BYTES": "" = every event (docs/SAMPLING.md)
    bool startPaused = false;  // docs/CONTROL.md
    bool noSignalHandlers = false;  // preload/fatal_signals.h
    LeakCheckOptions leakCheck;
};

// After "capture written to LAST": the captures of the programs the process ran before it.
void describeEarlierImages(const std::vector<std::string>& chain)
{
    const size_t earlier = chain.size() - 1;
    std::string list;
    for (size_t i = 0; i < earlier; ++i) {
        if (earlier > 5 && i == 2) {  // a long chain: the first two, then the one before the last
            list += ", ...";
            i = earlier - 2;
            continue;
        }
        list += (i == 0 ? "" : ", ") + chain[i];
    }
    std::fprintf(stderr,
                 "memtrace: that is the last program the process ran (it has the exit status); the %zu it exec'd "
                 "from before have their own: %s\n",
                 earlier, list.c_str());
}

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
    // Soak mode reaches the shim through the environment the child inherits.
    if (!options.soak.empty()) {
        const auto ms = parseDurationMs(options.soak);
        if (!ms || *ms == 0 || *ms > 86'400'000) {
            std::fprintf(stderr, "memtrace run: bad --soak interval '%s' (use e.g. 500ms, 10s, 5m)\n", options.soak.c_str());
            return kExitBadInput;
        }
        setenv(env::kSoakIntervalMs, std::to_string(*ms).c_str(), 1);
    } else {
        unsetenv(env::kSoakIntervalMs);
    }
    // Sampling and the initial pause reach the shim the same way.
    if (!options.sampleRate.empty() && !options.soak.empty()) {
        // The soak aggregator counts every event as one block of its size; weights are not wired in.
        std::fprintf(stderr, "memtrace run: --sample-rate cannot be combined with --soak\n");
        return kExitBadInput;
    }
    if (!options.sampleRate.empty()) {
        const std::optional<uint64_t> rate = parseSampleRate(options.sampleRate);
        if (!rate) {
            std::fprintf(stderr, "memtrace run: bad --sample-rate '%s' (bytes, e.g. 4096, 512K, 1M)\n",
                         options.sampleRate.c_str());
            return kExitBadInput;
        }
        setenv(env::kSampleRate, std::to_string(*rate).c_str(), 1);
    } else {
        unsetenv(env::kSampleRate);
    }
    if (options.startPaused) setenv(env::kStartPaused, "1", 1);
    else unsetenv(env::kStartPaused);
    if (options.noSignalHandlers) setenv(env::kSignalHandlers, "0", 1);
    else unsetenv(env::kSignalHandlers);
    request.shimPath = findShim();
    if (request.shimPath.empty()) {
        std::fprintf(stderr, "memtrace run: cannot find libmemtrace_preload.so (set MEMTRACE_PRELOAD)\n");
        return kExitBadInput;
    }
    // The loader ignores LD_PRELOAD in secure-execution mode: say so instead of an empty result.
    if (const std::string reason = secureExecReason(request.argv[0]); !reason.empty())
        std::fprintf(stderr, "memtrace: %s runs untraced: %s, so the loader ignores LD_PRELOAD\n",
                     request.argv[0].c_str(), reason.c_str());

    const LaunchResult result = launchTraced(request);
    if (!result.started) {
        std::fprintf(stderr, "memtrace run: %s\n", result.error.c_str());
        return result.exitStatus;
    }
    // The process may have exec'd other programs, each with a capture of its own
    // (exec_chain.h): the exit status and the leak check belong to the last of them.
    const std::vector<std::string> chain = execChain(result.capturePath);
    const std::string& capture = chain.back();
    switch (appendExitStatus(capture, result.waitStatus)) {
    case AppendOutcome::Appended: std::fprintf(stderr, "memtrace: capture written to %s\n", capture.c_str()); break;
    case AppendOutcome::CaptureCut:
        std::fprintf(stderr, "memtrace: capture written to %s (cut short: the process died while writing)\n",
                     capture.c_str());
        break;
    case AppendOutcome::NoCapture:
        // The launcher checked that the file can be created, so the shim was not loaded, or it
        // could not start and said why on stderr (e.g. "cannot map the stack table" under a
        // low RLIMIT_AS): the guess must not hide that reason.
        std::fprintf(stderr,
                     "memtrace: no capture was written: the shim did not start in %s (a static or set-id program "
                     "does not load it; a reason printed above by the shim comes first)\n",
                     request.argv[0].c_str());
        break;
    case AppendOutcome::Failed:
        std::fprintf(stderr, "memtrace: capture written to %s (exit status not recorded)\n", capture.c_str());
        break;
    }
    if (chain.size() > 1) describeEarlierImages(chain);
    int status = result.exitStatus;
    if (options.leaks || !options.leakCheck.failOnLeak.empty()) {
        // The report goes to stderr so the program's own stdout stays exactly as it was.
        status = runLeakCheck(capture, options.leakCheck, stderr, result.exitStatus);
    }
    if (result.killedBySignal != 0) {
        // Whoever started memtrace must see the program killed by the signal, as without it
        // (a shell ends its script on a child killed by SIGINT; Python reports -15, not 143).
        // That outranks --fail-on-leak's 23: LeakSanitizer does not run in a killed process
        // either, and the leak report (everything live at the kill) is on stderr above.
        if (status == kExitLeaksFound) {
            const char* name = sigabbrev_np(result.killedBySignal);  // null for real-time signals
            std::fprintf(stderr,
                         "memtrace: leaks exceed --fail-on-leak, but the program was killed by signal %d%s%s%s: "
                         "memtrace dies of the same signal instead of exiting %d\n",
                         result.killedBySignal, name ? " (SIG" : "", name ? name : "", name ? ")" : "",
                         kExitLeaksFound);
        }
        dieOfSignal(result.killedBySignal);
    }
    return status;
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
    run->add_option("--time-resolution", request->timeResolutionUs,
                    "Timestamps are multiples of this many µs; coarser = smaller capture")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    run->add_option("--unwind", request->unwind, "Stack unwinder")
        ->check(CLI::IsMember({"libunwind", "fp"}))
        ->capture_default_str();
    run->add_flag("--soak{10s}", options->soak,
                  "Soak mode: per-stack snapshots every INTERVAL (default 10s) instead of every event");
    run->add_option("--sample-rate", options->sampleRate,
                    "Byte sampling: record about one allocation per BYTES allocated (e.g. 512K); reports estimate");
    run->add_flag("--start-paused", options->startPaused,
                  "Record nothing until memtrace_resume() or `memtrace ctl PID resume`");
    run->add_flag("--no-signal-handlers", options->noSignalHandlers,
                  "Leave fatal signals alone: a crash or SIGTERM then loses the last flush interval");
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
