// Where `memtrace run` puts a capture: the default name and the -o pattern expansion.
#pragma once

#include <string>
#include <sys/types.h>

namespace memtrace::cli {

// Expands %p (pid), %h (hostname) and %% in pattern.
std::string expandOutputPattern(const std::string& pattern, pid_t pid, const std::string& hostname);

// "memtrace.<basename of program>.<pid>.mtrace"
std::string defaultCaptureName(const std::string& program, pid_t pid);

// Makes path absolute against cwd (the launcher's working directory at start), so that a
// program that chdirs does not move its capture.
std::string absolutePath(const std::string& path, const std::string& cwd);

std::string hostName();
std::string currentDirectory();

}  // namespace memtrace::cli
