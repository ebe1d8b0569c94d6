#include "leak_suppressions.h"

#include <fstream>
#include <sstream>

namespace memtrace::report {
namespace {

// What glibc, the loader and libstdc++ allocate once and keep until exit on purpose (the
// things valgrind releases through __libc_freeres before it counts). Matched against the
// innermost runtime frames only.
const char* const kBuiltInPatterns[] = {
    "_IO_file_doallocate",        // stdio stream buffers
    "_IO_setb",                   // stdio buffers (setvbuf paths)
    "pool::pool",                 // libstdc++ emergency exception-handling pool (eh_alloc.cc)
    "__cxa_get_globals",          // libstdc++ per-thread exception globals
    "_dl_allocate_tls",           // the loader's TLS blocks (kept for joined threads' reuse)
    "_dl_update_slotinfo",        // dynamic TLS vector growth
    "allocate_dtv",               // thread vector of dynamic TLS
    "_dl_resize_dtv",
    "__libc_setlocale",           // locale data
    "setlocale",
    "_nl_",                       // locale loading helpers (_nl_load_locale*, _nl_find_locale, ...)
    "__gconv_",                   // iconv module cache (__gconv_open, __gconv_read_conf, ...)
    "__nss_",                     // name-service modules
    "nss_",
    "__new_exitfn",               // atexit handler list
    "__cxa_thread_atexit_impl",   // thread_local destructor list
    "tzset_internal",             // time zone data
    "__tzfile_read",
    "_dl_map_object",             // loader bookkeeping for loaded objects
    "_dl_new_object",
    "_dl_close_worker",
    "_dl_add_to_namespace_list",
    "_dl_find_object",            // the loader's object lookup table (dlopen)
    "__libc_alloc_buffer_allocate",
    "getpwnam", "getpwuid", "getgrnam", "getgrgid",
};

constexpr const char* kRuntimeOnlyRule = "<every frame inside the C/C++ runtime>";

// Full-string glob match with '*' only (iterative, backtracking to the last star).
bool globMatch(std::string_view p, std::string_view s)
{
    size_t pi = 0, si = 0, starP = std::string_view::npos, starS = 0;
    while (si < s.size()) {
        if (pi < p.size() && p[pi] == '*') {
            starP = pi++;
            starS = si;
        } else if (pi < p.size() && p[pi] == s[si]) {
            ++pi;
            ++si;
        } else if (starP != std::string_view::npos) {
            pi = starP + 1;
            si = ++starS;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

bool matchesFrame(std::string_view pattern, const FrameNames& frame)
{
    return (!frame.function.empty() && matchesTemplate(pattern, frame.function)) ||
           (!frame.file.empty() && matchesTemplate(pattern, frame.file)) ||
           (!frame.module.empty() && matchesTemplate(pattern, frame.module));
}

}  // namespace

bool matchesTemplate(std::string_view pattern, std::string_view name)
{
    if (pattern.empty()) return false;
    const bool anchoredStart = pattern.front() == '^';
    if (anchoredStart) pattern.remove_prefix(1);
    const bool anchoredEnd = !pattern.empty() && pattern.back() == '$';
    if (anchoredEnd) pattern.remove_suffix(1);
    // Unanchored ends match anywhere: the same as a '*' at that end.
    std::string full;
    full.reserve(pattern.size() + 2);
    if (!anchoredStart) full += '*';
    full += pattern;
    if (!anchoredEnd) full += '*';
    return globMatch(full, name);
}

bool isRuntimeModule(std::string_view module)
{
    const auto slash = module.find_last_of('/');
    const std::string_view base = slash == std::string_view::npos ? module : module.substr(slash + 1);
    for (const char* prefix : {"libc.so", "libc-", "ld-linux", "ld64.so", "libstdc++.so", "libgcc_s.so", "libm.so",
                               "libpthread.so", "libdl.so"}) {
        if (base.substr(0, std::char_traits<char>::length(prefix)) == prefix) return true;
    }
    return false;
}

std::vector<std::string> SuppressionList::builtInPatterns()
{
    std::vector<std::string> patterns{kRuntimeOnlyRule};
    patterns.insert(patterns.end(), std::begin(kBuiltInPatterns), std::end(kBuiltInPatterns));
    return patterns;
}

void SuppressionList::addBuiltIns()
{
    m_entries.push_back({std::string(kRuntimeOnlyRule), "built-in", true, true, 0, 0, 0});
    for (const char* pattern : kBuiltInPatterns) m_entries.push_back({pattern, "built-in", true, false, 0, 0, 0});
}

void SuppressionList::addText(std::string_view text, const std::string& originName)
{
    size_t lineNumber = 0;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        ++lineNumber;
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        const auto colon = line.find(':');
        const std::string where = originName + ":" + std::to_string(lineNumber);
        if (colon == std::string_view::npos)
            throw SuppressionFileError(where + ": expected 'leak:PATTERN', got '" + std::string(line) + "'");
        const std::string_view type = trim(line.substr(0, colon));
        const std::string_view pattern = trim(line.substr(colon + 1));
        if (type != "leak")
            throw SuppressionFileError(where + ": unknown suppression type '" + std::string(type) +
                                       "' (only 'leak' is supported)");
        if (pattern.empty()) throw SuppressionFileError(where + ": empty pattern");
        m_entries.push_back({std::string(pattern), where, false, false, 0, 0, 0});
    }
}

void SuppressionList::addFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SuppressionFileError(path + ": cannot read suppression file");
    std::ostringstream content;
    content << in.rdbuf();
    addText(content.str(), path);
}

int SuppressionList::match(const std::vector<FrameNames>& stack) const
{
    size_t runtimeFrames = 0;
    while (runtimeFrames < stack.size() && isRuntimeModule(stack[runtimeFrames].module)) ++runtimeFrames;
    for (size_t i = 0; i < m_entries.size(); ++i) {
        const Suppression& entry = m_entries[i];
        if (entry.runtimeOnly) {
            if (!stack.empty() && runtimeFrames == stack.size()) return static_cast<int>(i);
            continue;
        }
        const size_t frames = entry.builtIn ? runtimeFrames : stack.size();
        for (size_t f = 0; f < frames; ++f) {
            const FrameNames& frame = stack[f];
            const bool hit = entry.builtIn ? !frame.function.empty() && matchesTemplate(entry.pattern, frame.function)
                                           : matchesFrame(entry.pattern, frame);
            if (hit) return static_cast<int>(i);
        }
    }
    return -1;
}

void SuppressionList::recordMatch(int index, uint64_t bytes, uint64_t blocks)
{
    Suppression& entry = m_entries.at(static_cast<size_t>(index));
    ++entry.matchedGroups;
    entry.matchedBytes += bytes;
    entry.matchedBlocks += blocks;
}

}  // namespace memtrace::report
