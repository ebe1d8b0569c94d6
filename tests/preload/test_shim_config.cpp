// Capture file naming (root, exec chain, followed processes) and the exec environment.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "config.h"
#include "exec_environment.h"

using namespace memtrace::shim;

namespace {

Config rootConfig()
{
    Config c;
    c.hasOutput = true;
    std::strcpy(c.output, "/tmp/out/run.mtrace");
    c.rootPid = 100;
    return c;
}

std::string pathFor(const Config& c, pid_t pid, bool alternate = false)
{
    char out[kPathMax];
    if (!captureFilePath(c, pid, "/usr/bin/python3.11", alternate, out, sizeof out)) return "<none>";
    return out;
}

std::vector<std::string> entries(char* const* env)
{
    std::vector<std::string> v;
    for (; *env; ++env) v.emplace_back(*env);
    return v;
}

}  // namespace

TEST_CASE("capture file names")
{
    Config c = rootConfig();
    CHECK(pathFor(c, 100) == "/tmp/out/run.mtrace");
    c.execGeneration = 2;
    CHECK(pathFor(c, 100) == "/tmp/out/run.mtrace.exec2");
    c.execGeneration = 0;
    CHECK(pathFor(c, 200) == "<none>");  // not the root, no follow-fork: inactive
    c.followFork = true;
    CHECK(pathFor(c, 200) == "/tmp/out/memtrace.python3.11.200.mtrace");
    std::strcpy(c.outputDir, "/var/caps");
    CHECK(pathFor(c, 200) == "/var/caps/memtrace.python3.11.200.mtrace");
    c.execGeneration = 3;
    CHECK(pathFor(c, 200, true) == "/var/caps/memtrace.python3.11.200.exec3.mtrace");
    c.rootPid = -1;  // MEMTRACE_ROOT_PID unset: whoever loads the shim is the root
    CHECK(pathFor(c, 200) == "/tmp/out/run.mtrace.exec3");
    c.hasOutput = false;
    CHECK(pathFor(c, 200) == "<none>");
}

TEST_CASE("exec environment sets the next generation and keeps everything else")
{
    char a[] = "PATH=/bin", b[] = "MEMTRACE_OUTPUT=/tmp/x", old[] = "MEMTRACE_EXEC_GENERATION=4", d[] = "HOME=/root";
    char* envp[] = {a, old, b, d, nullptr};
    ExecEnvironment env(envp, 5);
    CHECK(entries(env.get()) ==
          std::vector<std::string>{"PATH=/bin", "MEMTRACE_OUTPUT=/tmp/x", "HOME=/root", "MEMTRACE_EXEC_GENERATION=5"});
}

TEST_CASE("an untraced exec environment is passed through untouched")
{
    char a[] = "PATH=/bin";
    char* envp[] = {a, nullptr};
    ExecEnvironment env(envp, 1);
    CHECK(env.get() == envp);
    ExecEnvironment none(nullptr, 1);
    CHECK(none.get() == nullptr);
}

TEST_CASE("an exec environment gets the hidden variables back, the shim first in LD_PRELOAD")
{
    char h1[] = "MEMTRACE_OUTPUT=/tmp/x", h2[] = "LD_PRELOAD=/opt/libmemtrace_preload.so", h3[] = "MEMTRACE_EXEC_GENERATION=2";
    char* hidden[] = {h1, h2, h3, nullptr};
    char a[] = "PATH=/bin", user[] = "LD_PRELOAD=libjemalloc.so.2", stale[] = "MEMTRACE_OUTPUT=/elsewhere";
    char* envp[] = {a, user, stale, nullptr};
    ExecEnvironment env(envp, 3, hidden);
    CHECK(entries(env.get()) == std::vector<std::string>{"PATH=/bin", "MEMTRACE_OUTPUT=/tmp/x",
                                                         "LD_PRELOAD=/opt/libmemtrace_preload.so:libjemalloc.so.2",
                                                         "MEMTRACE_EXEC_GENERATION=3"});
    // No LD_PRELOAD of the user's, and a program that cleared its environment (env -i): traced all the same.
    char* bare[] = {a, nullptr};
    ExecEnvironment alone(bare, 3, hidden);
    CHECK(entries(alone.get()) == std::vector<std::string>{"PATH=/bin", "MEMTRACE_OUTPUT=/tmp/x",
                                                           "LD_PRELOAD=/opt/libmemtrace_preload.so",
                                                           "MEMTRACE_EXEC_GENERATION=3"});
    ExecEnvironment empty(nullptr, 3, hidden);
    CHECK(entries(empty.get()) == std::vector<std::string>{"MEMTRACE_OUTPUT=/tmp/x", "LD_PRELOAD=/opt/libmemtrace_preload.so",
                                                           "MEMTRACE_EXEC_GENERATION=3"});
}
