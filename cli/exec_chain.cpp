#include "exec_chain.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

namespace memtrace::cli {

std::string execCapturePath(const std::string& capturePath, unsigned generation)
{
    return capturePath + ".exec" + std::to_string(generation);
}

std::vector<std::string> existingNumberedCaptures(const std::string& capturePath, const std::string& infix)
{
    const auto slash = capturePath.find_last_of('/');
    const std::string directory = slash == std::string::npos ? "." : slash == 0 ? "/" : capturePath.substr(0, slash);
    const std::string prefix = (slash == std::string::npos ? capturePath : capturePath.substr(slash + 1)) + infix;
    std::vector<std::string> found;
    DIR* dir = opendir(directory.c_str());
    if (!dir) return found;
    while (const dirent* entry = readdir(dir)) {
        const std::string name = entry->d_name;
        if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
        if (!std::all_of(name.begin() + static_cast<long>(prefix.size()), name.end(),
                         [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        found.push_back(directory + "/" + name);
    }
    closedir(dir);
    std::sort(found.begin(), found.end());
    return found;
}

std::vector<std::string> execChain(const std::string& capturePath)
{
    std::vector<std::string> chain{capturePath};
    struct stat st {};
    for (unsigned generation = 1;; ++generation) {
        std::string next = execCapturePath(capturePath, generation);
        if (lstat(next.c_str(), &st) != 0) break;
        chain.push_back(std::move(next));
    }
    return chain;
}

}  // namespace memtrace::cli
