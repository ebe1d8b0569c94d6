#include "hidden_environment.h"

#include <unistd.h>

#include <cstring>

#include "config.h"
#include "shim_state.h"
#include "sys_memory.h"

namespace memtrace::shim {
namespace {

constexpr char kShimName[] = "libmemtrace_preload.so";
constexpr char kPreloadPrefix[] = "LD_PRELOAD=";
constexpr char kMemtracePrefix[] = "MEMTRACE_";
constexpr size_t kPreloadPrefixLength = sizeof kPreloadPrefix - 1;

char** g_hidden = nullptr;  // in a mapping of its own, kept for the life of the image

bool startsWith(const char* s, const char* prefix) { return std::strncmp(s, prefix, std::strlen(prefix)) == 0; }

// The ':' or ' ' separated token of LD_PRELOAD's value that names the shim: [begin, end).
bool findShimToken(const char* value, const char*& begin, const char*& end)
{
    const size_t name = sizeof kShimName - 1;
    for (const char* token = value; *token;) {
        const size_t length = std::strcspn(token, ": ");
        if (length >= name && std::memcmp(token + length - name, kShimName, name) == 0 &&
            (length == name || token[length - name - 1] == '/')) {
            begin = token;
            end = token + length;
            return true;
        }
        token += length;
        if (*token) ++token;
    }
    return false;
}

}  // namespace

void hideShimEnvironment()
{
    if (!g_config.hasOutput || g_config.followFork || g_config.rootPid <= 0 || g_config.rootPid != g_pid) return;
    if (!environ) return;
    // Sizes first: the hidden copies, the pointer array, the user's part of LD_PRELOAD.
    size_t entries = 0, bytes = 0;
    for (char** e = environ; *e; ++e) {
        if (startsWith(*e, kMemtracePrefix) || startsWith(*e, kPreloadPrefix)) {
            ++entries;
            bytes += 2 * (std::strlen(*e) + 1);
        }
    }
    if (entries == 0) return;
    const size_t pointers = (entries + 1) * sizeof(char*);
    const size_t total = pointers + bytes;
    void* memory = mapAnonymous(total);
    if (!memory) return;  // the program sees our variables, as before
    g_hidden = static_cast<char**>(memory);
    char* text = static_cast<char*>(memory) + pointers;
    size_t hidden = 0;
    auto keep = [&](const char* begin, size_t length) {
        char* copy = text;
        std::memcpy(copy, begin, length);
        copy[length] = '\0';
        text += length + 1;
        return copy;
    };

    char** out = environ;
    for (char** e = environ; *e; ++e) {
        if (startsWith(*e, kMemtracePrefix)) {
            g_hidden[hidden++] = keep(*e, std::strlen(*e));
            continue;
        }
        const char *begin, *end;
        if (startsWith(*e, kPreloadPrefix) && findShimToken(*e + kPreloadPrefixLength, begin, end)) {
            // Hidden: "LD_PRELOAD=<shim>". Left: the user's tokens in their order, if any.
            char* shim = keep(kPreloadPrefix, kPreloadPrefixLength);
            text -= 1;  // extend it with the token
            keep(begin, static_cast<size_t>(end - begin));
            g_hidden[hidden++] = shim;
            char* user = text;
            std::memcpy(user, kPreloadPrefix, kPreloadPrefixLength);
            char* p = user + kPreloadPrefixLength;
            const char* value = *e + kPreloadPrefixLength;
            const char* rest = *end ? end + 1 : end;
            const size_t before = begin > value ? static_cast<size_t>(begin - value - 1) : 0;  // without its separator
            std::memcpy(p, value, before);
            p += before;
            if (before > 0 && *rest) *p++ = ':';
            const size_t after = std::strlen(rest);
            std::memcpy(p, rest, after);
            p += after;
            *p = '\0';
            text = p + 1;
            if (p == user + kPreloadPrefixLength) continue;  // nothing of the user's: the entry goes
            *out++ = user;
            continue;
        }
        *out++ = *e;
    }
    *out = nullptr;
    g_hidden[hidden] = nullptr;
}

char* const* hiddenEnvironment() { return g_hidden; }

}  // namespace memtrace::shim
