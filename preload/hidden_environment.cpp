#include "hidden_environment.h"

#include <unistd.h>

#include <cstring>

#include "config.h"
#include "shim_variables.h"
#include "shim_state.h"
#include "sys_memory.h"

namespace memtrace::shim {
namespace {

constexpr size_t kPreloadPrefixLength = sizeof kPreloadPrefix - 1;

char** g_hidden = nullptr;  // in a mapping of its own, kept for the life of the image

// The ':' or ' ' separated token of LD_PRELOAD's value that names the shim: [begin, end).
bool findShimToken(const char* value, const char*& begin, const char*& end)
{
    for (const char* token = value; *token;) {
        const size_t length = std::strcspn(token, ": ");
        if (isShimToken(token, length)) {
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
        if (isMemtraceVariable(*e) || isPreloadVariable(*e)) {
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
    // Copies `prefix` then [begin, begin + length) into the mapping, as one string.
    auto keep = [&](const char* prefix, const char* begin, size_t length) {
        char* copy = text;
        const size_t before = std::strlen(prefix);
        std::memcpy(copy, prefix, before);
        std::memcpy(copy + before, begin, length);
        copy[before + length] = '\0';
        text += before + length + 1;
        return copy;
    };

    char** out = environ;
    for (char** e = environ; *e; ++e) {
        if (isMemtraceVariable(*e)) {
            g_hidden[hidden++] = keep("", *e, std::strlen(*e));
            continue;
        }
        const char *begin, *end;
        if (isPreloadVariable(*e) && findShimToken(*e + kPreloadPrefixLength, begin, end)) {
            // Hidden: "LD_PRELOAD=<shim>". Left: the user's tokens in their order, if any.
            g_hidden[hidden++] = keep(kPreloadPrefix, begin, static_cast<size_t>(end - begin));
            char* user = text;
            if (!preloadWithoutShim(*e + kPreloadPrefixLength, user)) continue;  // nothing of the user's: the entry goes
            text += std::strlen(user) + 1;
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
