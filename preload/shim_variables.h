// How the shim's own entries in an environment look: its LD_PRELOAD token and the MEMTRACE_
// variables (exec hooks, hidden_environment.h). Async-signal-safe, no allocation.
#pragma once

#include <cstddef>
#include <cstring>

namespace memtrace::shim {

inline constexpr char kShimFileName[] = "libmemtrace_preload.so";
inline constexpr char kPreloadPrefix[] = "LD_PRELOAD=";
inline constexpr char kMemtracePrefix[] = "MEMTRACE_";

inline bool startsWith(const char* s, const char* prefix, size_t length) { return std::strncmp(s, prefix, length) == 0; }
inline bool isMemtraceVariable(const char* entry) { return startsWith(entry, kMemtracePrefix, sizeof kMemtracePrefix - 1); }
inline bool isPreloadVariable(const char* entry) { return startsWith(entry, kPreloadPrefix, sizeof kPreloadPrefix - 1); }

// Whether an LD_PRELOAD token (separated by ':' or ' ') of `length` bytes names the shim.
inline bool isShimToken(const char* token, size_t length)
{
    const size_t name = sizeof kShimFileName - 1;
    return length >= name && std::memcmp(token + length - name, kShimFileName, name) == 0 &&
           (length == name || token[length - name - 1] == '/');
}

// Writes "LD_PRELOAD=" and value's tokens other than the shim's into `out` (value's length +
// sizeof kPreloadPrefix bytes); false if none is left.
inline bool preloadWithoutShim(const char* value, char* out)
{
    char* p = out + sizeof kPreloadPrefix - 1;
    std::memcpy(out, kPreloadPrefix, sizeof kPreloadPrefix - 1);
    bool any = false;
    for (const char* token = value; *token;) {
        size_t length = std::strcspn(token, ": ");
        if (length > 0 && !isShimToken(token, length)) {
            if (any) *p++ = ':';
            std::memcpy(p, token, length);
            p += length;
            any = true;
        }
        token += length;
        if (*token) ++token;
    }
    *p = '\0';
    return any;
}

}  // namespace memtrace::shim
