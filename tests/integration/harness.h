// What every integration test does: run an example under `memtrace run`, read the capture
// back with `memtrace summary --json`, and look things up in the result.
#pragma once

#include <nlohmann/json.hpp>

#include <sched.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "process_runner.h"

namespace memtrace::integration {

namespace fs = std::filesystem;
using nlohmann::json;

std::string memtraceBinary();
std::string examplePath(const std::string& name);  // fails the test if it was not built

// A fresh directory under $TMPDIR, removed at the end of the test (kept if
// MEMTRACE_KEEP_TEST_DIRS is set, to look at the captures).
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

// Pins this process - and so every process it starts - to one CPU for the scope: a traced
// program's threads then share it with the writer thread, and `memtrace summary` reads
// without its second decoding thread.
class OneCpu {
public:
    OneCpu();  // REQUIREs that the affinity could be read and set
    ~OneCpu();
    OneCpu(const OneCpu&) = delete;
    OneCpu& operator=(const OneCpu&) = delete;

private:
    cpu_set_t m_saved;
};

struct TracedRun {
    ProcessResult process;  // of `memtrace run`
    std::string capture;    // the path it was asked to write
};

// `memtrace run <runOptions> -o <capture> <example> <args>` (capture "": no -o).
TracedRun traceExample(const std::string& capture, const std::string& example,
                       const std::vector<std::string>& args = {},
                       const std::vector<std::string>& runOptions = {},
                       const ProcessOptions& base = {});

// `memtrace run` for an example, asserting that it ended with `expectedStatus` and that it
// named the capture on stderr.
TracedRun traceExampleOk(const std::string& capture, const std::string& example,
                         const std::vector<std::string>& args = {},
                         const std::vector<std::string>& runOptions = {}, int expectedStatus = 0);

struct Summary {
    ProcessResult process;  // of `memtrace summary --json`
    json data;
};

// `memtrace summary --json FILE`; requires exit status 0 and one JSON object on stdout.
Summary summarize(const std::string& capture);

// The capture of `empty` (or `empty_cxx`): what the runtime allocates on its own.
Summary baseline(const TempDir& dir, const std::string& emptyExample = "empty");

struct KindStat {
    uint64_t count = 0;
    uint64_t bytes = 0;
};
// by_kind[name], or zeros if the kind does not appear.
KindStat kindStat(const json& summary, const std::string& kind);
uint64_t number(const json& summary, const std::string& field);  // requires an integer field

// Frames' function names joined with " <- " (innermost first), for messages.
std::string describeStack(const json& stack);
bool stackHasFunction(const json& stack, const std::string& function);
// The top_leaks entries whose stack has a frame in `function`.
std::vector<json> leaksFrom(const json& summary, const std::string& function);

// The path named by the "memtrace: capture written to PATH" line on stderr ("" if none).
std::string announcedCapture(const std::string& stderrText);

std::string readFile(const std::string& path);
void writeFile(const std::string& path, const std::string& content);

// Lines in a program's output (newline characters): "one-line error" checks.
int lineCount(const std::string& text);

}  // namespace memtrace::integration

namespace memtrace::integration {

// exit_status is {kind, code}; kind is accepted as the format's number (0 exited,
// 1 signaled) or as a word ("exited", "signaled"/"signal"/"killed").
bool exitStatusIs(const json& summary, bool signaled, int code);

}  // namespace memtrace::integration
