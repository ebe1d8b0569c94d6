#include "output_path.h"

#include <climits>
#include <unistd.h>

namespace memtrace::cli {

std::string expandOutputPattern(const std::string& pattern, pid_t pid, const std::string& hostname)
{
    std::string out;
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '%' && i + 1 < pattern.size()) {
            const char c = pattern[i + 1];
            if (c == 'p') {
                out += std::to_string(pid);
                ++i;
                continue;
            }
            if (c == 'h') {
                out += hostname;
                ++i;
                continue;
            }
            if (c == '%') {
                out += '%';
                ++i;
                continue;
            }
        }
        out += pattern[i];
    }
    return out;
}

std::string defaultCaptureName(const std::string& program, pid_t pid)
{
    const auto slash = program.find_last_of('/');
    const std::string base = slash == std::string::npos ? program : program.substr(slash + 1);
    return "memtrace." + base + "." + std::to_string(pid) + ".mtrace";
}

std::string absolutePath(const std::string& path, const std::string& cwd)
{
    if (!path.empty() && path[0] == '/') return path;
    if (cwd.empty() || cwd.back() == '/') return cwd + path;
    return cwd + "/" + path;
}

std::string hostName()
{
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
    return name;
}

std::string currentDirectory()
{
    char buffer[PATH_MAX];
    if (!getcwd(buffer, sizeof(buffer))) return ".";
    return buffer;
}

}  // namespace memtrace::cli
