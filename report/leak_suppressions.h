// Leak suppressions in LeakSanitizer's format ("leak:PATTERN" lines, '#' comments) plus the
// built-in list of what the C and C++ runtimes keep on purpose until exit.
//
// A pattern matches a stack if it matches the function, source file or module name of any of
// its frames. '*' matches any run of characters, '^' anchors at the start and '$' at the end;
// an unanchored pattern matches anywhere in the name (LeakSanitizer's rules).
// Built-in suppressions are narrower: they only look at the innermost frames that belong to
// the runtime itself (libc, the loader, libstdc++), so a program's own leak made from a
// dlopen'd constructor (with dl_open_worker further out on the stack) is never hidden.
// One more built-in rule covers what the runtimes allocate for themselves with no program
// frame on the stack at all (libstdc++'s emergency exception pool, made by its own static
// constructor during start-up): such a stack cannot be the program's leak, and it is matched
// even when the runtime has no symbols to name its functions.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace memtrace::report {

struct FrameNames {
    std::string_view function;
    std::string_view file;
    std::string_view module;
};

struct Suppression {
    std::string pattern;
    std::string origin;  // "built-in" or "file:line"
    bool builtIn = false;
    bool runtimeOnly = false;  // the "every frame is in the runtime" rule, not a pattern
    uint64_t matchedGroups = 0;  // how many leak groups it suppressed
    uint64_t matchedBytes = 0;
    uint64_t matchedBlocks = 0;
};

class SuppressionFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// True if pattern matches name under LeakSanitizer's rules.
bool matchesTemplate(std::string_view pattern, std::string_view name);

// True if module is one of the runtime's own objects (libc, ld.so, libstdc++, libgcc_s, libm).
bool isRuntimeModule(std::string_view module);

class SuppressionList {
public:
    void addBuiltIns();
    // Throws SuppressionFileError naming the file and line of a malformed entry, or the file
    // if it cannot be read.
    void addFile(const std::string& path);
    void addText(std::string_view text, const std::string& originName);

    // Returns the index of the first suppression matching the stack (innermost frame first),
    // or -1. Does not count; the caller records the match with recordMatch.
    int match(const std::vector<FrameNames>& stack) const;
    void recordMatch(int index, uint64_t bytes, uint64_t blocks);

    const std::vector<Suppression>& entries() const { return m_entries; }
    static std::vector<std::string> builtInPatterns();

private:
    std::vector<Suppression> m_entries;
};

}  // namespace memtrace::report
