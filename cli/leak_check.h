// The leak report as `memtrace leaks FILE` and `memtrace run --leaks` both produce it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace memtrace::cli {

// LeakSanitizer's exit status for "leaks found", so CI scripts written for LSan keep working.
inline constexpr int kExitLeaksFound = 23;

struct LeakCheckOptions {
    std::string format = "text";  // text | markdown | json
    std::vector<std::string> suppressionFiles;
    bool noDefaultSuppressions = false;
    uint64_t minBytes = 0;
    size_t top = 0;
    std::string failOnLeak;  // "" = off; otherwise the byte threshold ("0" by default)
};

// Adds the options shared by `leaks` and `run --leaks` to a subcommand.
void addLeakCheckOptions(CLI::App& sub, LeakCheckOptions& options, bool withFormat);

// Prints the report for capture `file` to out. Returns kExitLeaksFound when --fail-on-leak is
// set and unsuppressed leaks exceed its threshold, statusIfPassed otherwise, and 2 for bad
// input (unreadable capture, malformed suppression file).
int runLeakCheck(const std::string& file, const LeakCheckOptions& options, std::FILE* out, int statusIfPassed);

// The active suppression list, one per line (for --print-suppressions).
int printSuppressions(const LeakCheckOptions& options);

}  // namespace memtrace::cli
