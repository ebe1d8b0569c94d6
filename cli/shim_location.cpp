#include "shim_location.h"

#include <climits>
#include <cstdlib>
#include <unistd.h>

namespace memtrace::cli {
namespace {

constexpr const char* kShimName = "libmemtrace_preload.so";

bool isReadableFile(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

std::string canonical(const std::string& path)
{
    char resolved[PATH_MAX];
    return realpath(path.c_str(), resolved) ? std::string(resolved) : std::string();
}

}  // namespace

std::string findShim()
{
    if (const char* fromEnv = std::getenv("MEMTRACE_PRELOAD"); fromEnv && *fromEnv)
        return isReadableFile(fromEnv) ? canonical(fromEnv) : std::string();

    char self[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) return {};
    self[n] = '\0';
    std::string dir(self);
    dir = dir.substr(0, dir.find_last_of('/'));
    for (const char* relative : {"/../preload/", "/../lib/memtrace/", "/"}) {
        const std::string candidate = dir + relative + kShimName;
        if (isReadableFile(candidate)) return canonical(candidate);
    }
    return {};
}

}  // namespace memtrace::cli
