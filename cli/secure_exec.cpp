#include "secure_exec.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>

namespace memtrace::cli {
namespace {

// The file execvp would run: a name with a slash as it is, otherwise the first executable
// regular file of that name along PATH. "" if there is none (exec will report that).
std::string resolve(const std::string& program)
{
    if (program.find('/') != std::string::npos) return program;
    const char* path = std::getenv("PATH");
    std::string dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
    size_t start = 0;
    for (;;) {
        const size_t end = dirs.find(':', start);
        std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
        const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
        struct stat st {};
        if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0)
            return candidate;
        if (end == std::string::npos) return "";
        start = end + 1;
    }
}

}  // namespace

std::string secureExecReason(const std::string& program)
{
    const std::string file = resolve(program);
    struct stat st {};
    if (file.empty() || stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) return "";  // set-id bits and capabilities are ignored
    struct statvfs fs {};
    const bool nosuid = statvfs(file.c_str(), &fs) == 0 && (fs.f_flag & ST_NOSUID);
    if (!nosuid && (st.st_mode & S_ISUID) && st.st_uid != getuid())
        return "it is set-user-id (owner uid " + std::to_string(st.st_uid) + ")";
    if (!nosuid && (st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && st.st_gid != getgid())
        return "it is set-group-id (group gid " + std::to_string(st.st_gid) + ")";
    if (!nosuid && getuid() != 0 && getxattr(file.c_str(), "security.capability", nullptr, 0) > 0)
        return "it has file capabilities";
    return "";
}

}  // namespace memtrace::cli
