// Process creation under `memtrace run`: posix_spawn, vfork (with a failed exec), a chain of
// execs, 50 children alive at once, fork while another thread is inside a hook; a program
// already under another preload; a set-user-id program.
#include <catch2/catch.hpp>

#include <cstdio>
#include <regex>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "expectations.h"
#include "harness.h"

using namespace memtrace::integration;

namespace {

std::vector<int> printedPids(const std::string& out, const std::string& label)
{
    std::vector<int> pids;
    const std::regex line(label + R"( pid (\d+))");
    for (auto it = std::sregex_iterator(out.begin(), out.end(), line); it != std::sregex_iterator(); ++it)
        pids.push_back(std::stoi((*it)[1]));
    return pids;
}

int countFiles(const TempDir& dir)
{
    int files = 0;
    for (const auto& entry : fs::directory_iterator(dir.path())) files += entry.is_regular_file();
    return files;
}

}  // namespace

TEST_CASE("posix_spawn and vfork with --follow-fork: parent and spawned program each get their capture",
          "[hardening][spawn]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    for (const char* mode : {"posix-spawn", "vfork"}) {
        DYNAMIC_SECTION(mode)
        {
            TempDir out;
            const std::string capture = out.file("x.mtrace");
            const TracedRun run = traceExampleOk(capture, "spawn_family",
                                                 {mode, examplePath("exit_code"), "0", "--print-pid"}, {"--follow-fork"});
            const std::regex childLine(R"(exit_code: pid (\d+))");
            std::smatch match;
            REQUIRE(std::regex_search(run.process.out, match, childLine));
            const Summary parent = summarize(capture);
            CHECK(parent.data["truncated"] == false);
            CHECK(exitStatusIs(parent.data, false, 0));
            expectLeakFrom(parent, "own_work", 1000, 1, "malloc");
            expectKind(parent, base, "malloc", 2, 1077);
            // The vfork child whose exec failed left by _exit(3): not our _exit, so our capture
            // did not end there (it would have no End record of its own at the right time).
            const std::string spawned = out.file("memtrace.exit_code." + std::string(match[1]) + ".mtrace");
            REQUIRE(fs::exists(spawned));
            const Summary child = summarize(spawned);
            CHECK(child.data["truncated"] == false);
            CHECK(countFiles(out) == 2);
        }
    }
}

TEST_CASE("a chain of execs: every image has its own complete capture", "[hardening][exec]")
{
    TempDir out;
    const std::string capture = out.file("x.mtrace");
    const TracedRun run = traceExample(capture, "spawn_family", {"chain", "5"});
    INFO(run.process.describe());
    REQUIRE(run.process.status == 0);
    // The last image is the one that exited: announced, and given the exit status.
    CHECK(announcedCapture(run.process.err) == capture + ".exec5");
    CHECK(printedPids(run.process.out, "spawn_family: chain \\d").size() == 6);
    for (int image = 0; image <= 5; ++image) {
        DYNAMIC_SECTION("image " << image)
        {
            const std::string file = image == 0 ? capture : capture + ".exec" + std::to_string(image);
            REQUIRE(fs::exists(file));
            const Summary summary = summarize(file);
            CHECK(summary.data["truncated"] == false);
            expectLeakFrom(summary, "own_work", 1000 + (5 - image), 1, "malloc");
            CHECK(summary.data["exit_status"].is_null() == (image < 5));
        }
    }
    CHECK(countFiles(out) == 6);
}

TEST_CASE("50 children at once with --follow-fork: each its own correct capture, no deadlock",
          "[hardening][fork]")
{
    TempDir out;
    const std::string capture = out.file("x.mtrace");
    const TracedRun run = traceExampleOk(capture, "many_children", {"50"}, {"--follow-fork"});
    CHECK(run.process.out.find("many_children: 50 children\n") != std::string::npos);
    const std::regex line(R"(many_children: child (\d+) pid (\d+))");
    int children = 0;
    for (auto it = std::sregex_iterator(run.process.out.begin(), run.process.out.end(), line);
         it != std::sregex_iterator(); ++it) {
        const int index = std::stoi((*it)[1]);
        const std::string file = capture + "." + std::string((*it)[2]);
        INFO("child " << index << ": " << file);
        REQUIRE(fs::exists(file));
        const Summary child = summarize(file);
        CHECK(child.data["truncated"] == false);
        expectLeakFrom(child, "child_work", 100 * (index + 1), 1, "malloc");
        ++children;
    }
    INFO("program output:\n" << run.process.out);
    CHECK(children == 50);
    CHECK(countFiles(out) == 51);
    const Summary parent = summarize(capture);
    CHECK(parent.data["truncated"] == false);
    CHECK(leaksFrom(parent.data, "child_work").empty());
}

TEST_CASE("fork while another thread is inside a hook: no deadlock, readable captures", "[hardening][fork]")
{
    SECTION("without --follow-fork")
    {
        TempDir out;
        const TracedRun run = traceExampleOk(out.file("x.mtrace"), "fork_in_hook", {"200"});
        CHECK(run.process.out == "fork_in_hook: 200 forks\n");
        const Summary parent = summarize(run.capture);
        CHECK(parent.data["truncated"] == false);
        CHECK(number(parent.data, "frees_unmatched") == 0);
        CHECK(countFiles(out) == 1);
    }
    SECTION("with --follow-fork")
    {
        TempDir out;
        const TracedRun run = traceExampleOk(out.file("x.mtrace"), "fork_in_hook", {"30"}, {"--follow-fork"});
        CHECK(run.process.out == "fork_in_hook: 30 forks\n");
        CHECK(countFiles(out) == 31);
        for (const auto& entry : fs::directory_iterator(out.path())) {
            if (entry.path().filename() == "x.mtrace") continue;
            const Summary child = summarize(entry.path().string());
            INFO(entry.path());
            CHECK(child.data["truncated"] == false);
            CHECK(kindStat(child.data, "malloc").count >= 1);
            CHECK(leaksFrom(child.data, "child_work").empty());
            CHECK(number(child.data, "frees_unmatched") == 0);
        }
    }
}

TEST_CASE("a program already under LD_PRELOAD=libjemalloc.so.2: traced on jemalloc, counts exact",
          "[hardening][preload]")
{
    TempDir dir;
    ProcessOptions options;
    options.environment = {{"LD_PRELOAD", "libjemalloc.so.2"}};
    const TracedRun reference = traceExample(dir.file("ref.mtrace"), "thread_storm", {"8", "0"}, {}, options);
    REQUIRE(reference.process.status == 0);
    const TracedRun run = traceExample(dir.file("x.mtrace"), "thread_storm", {"8", "20000"}, {}, options);
    INFO(run.process.describe());
    REQUIRE(run.process.status == 0);
    CHECK(run.process.out == "thread_storm: 8 threads, 160000 blocks, 5680000 bytes\n");
    const Summary base = summarize(reference.capture);
    const Summary capture = summarize(run.capture);
    expectKind(capture, base, "malloc", 160000, 5680000);
    expectKind(capture, base, "free", 160000, std::nullopt);
    expectField(capture, base, "leaked_bytes", 0);
}

TEST_CASE("a set-user-id program: memtrace says the loader ignores the preload, status passes through",
          "[hardening][setuid]")
{
    TempDir dir;
    std::string program;
    if (geteuid() == 0) {
        // A copy of exit_code owned by nobody with the set-user-id bit: run by root it changes
        // the effective uid, so the loader runs it in secure mode.
        program = dir.file("exit_code_setuid");
        fs::copy_file(examplePath("exit_code"), program);
        REQUIRE(chown(program.c_str(), 65534, 65534) == 0);
        REQUIRE(chmod(program.c_str(), 04755) == 0);
        REQUIRE(chmod(dir.path().c_str(), 0755) == 0);
    } else {
        for (const char* candidate : {"/usr/bin/su", "/bin/su", "/usr/bin/passwd"}) {
            struct stat st {};
            if (stat(candidate, &st) == 0 && (st.st_mode & S_ISUID) && st.st_uid != getuid()) {
                program = candidate;
                break;
            }
        }
        INFO("not root and no set-user-id program found to test with");
        REQUIRE(!program.empty());
    }
    const std::string capture = dir.file("x.mtrace");
    const std::vector<std::string> args =
        geteuid() == 0 ? std::vector<std::string>{"3"} : std::vector<std::string>{"--help"};
    std::vector<std::string> argv = {memtraceBinary(), "run", "-o", capture, "--", program};
    argv.insert(argv.end(), args.begin(), args.end());
    const ProcessResult run = runCommand(argv);
    INFO(run.describe());
    CHECK(run.status == (geteuid() == 0 ? 3 : 0));
    CHECK(run.err.find("memtrace: " + program + " runs untraced: it is set-user-id") == 0);
    CHECK(run.err.find("so the loader ignores LD_PRELOAD\n") != std::string::npos);
    CHECK_FALSE(fs::exists(capture));
}

TEST_CASE("a child made by clone() without fork handlers, filling its ring and calling exit(): no hang, "
          "the parent's capture exact",
          "[hardening][fork]")
{
    // It hung: the child waited forever for a writer thread it did not have.
    TempDir dir;
    const Summary base = baseline(dir);
    // 3,000,000 pairs fill the child's ring; with 1000 its exit() finds the shim still active.
    int n = 0;
    for (const char* pairs : {"3000000", "1000"})
    for (const std::vector<std::string>& options : {std::vector<std::string>{}, std::vector<std::string>{"--follow-fork"}}) {
        INFO(pairs << " pairs in the child " << (options.empty() ? "" : "with --follow-fork"));
        const TracedRun run = traceExampleOk(dir.file("x" + std::to_string(++n) + ".mtrace"), "raw_clone", {pairs}, options);
        CHECK(run.process.out == "raw_clone: child exited with 7\n");
        const Summary capture = summarize(run.capture);
        CHECK(capture.data["truncated"] == false);
        CHECK(exitStatusIs(capture.data, false, 0));
        // The parent's calls only: none of the child's, which ran untraced.
        expectKind(capture, base, "malloc", 1001, 1000 + 1000 * 100);
        expectKind(capture, base, "free", 1000, std::nullopt);
        expectField(capture, base, "leaked_bytes", 1000);
    }
}

// unshare(CLONE_NEWUSER) needs a single-threaded process; the shim's writer thread made it
// fail with EINVAL under memtrace (`unshare -U` printed "Invalid argument"). The writer now
// steps aside for the call and starts again in the new namespace.
TEST_CASE("unshare(CLONE_NEWUSER) works as untracked and tracking goes on", "[hardening][namespace]")
{
    const ProcessResult untracked = runCommand({examplePath("user_namespace")});
    REQUIRE(untracked.status == 0);
    if (untracked.out != "user_namespace: unshare ok\n")
        FAIL("this system refuses user namespaces even untracked (" << untracked.out
                                                                    << "): the test cannot check anything here");
    TempDir dir;
    const TracedRun run = traceExampleOk(dir.file("ns.mtrace"), "user_namespace");
    CHECK(run.process.out == untracked.out);
    const Summary got = summarize(run.capture);
    CHECK(got.data["truncated"] == false);
    expectLeakFrom(got, "before_unshare", 32000, 1000, "malloc");
    expectLeakFrom(got, "after_unshare", 96000, 1000, "malloc");
    CHECK(number(got.data, "allocations") >= 42000);
    CHECK(run.process.err == "memtrace: capture written to " + run.capture + "\n");  // nothing stopped
    // The writer ran again: it sampled the RSS (every 10 ms) during the 300 ms pause after the
    // unshare. A writer left stopped samples it only in the final drain at exit.
    const ProcessResult dump = runCommand({memtraceBinary(), "dump", run.capture});
    REQUIRE(dump.status == 0);
    int samplesInPause = 0;
    std::istringstream lines(dump.out);
    for (std::string line; std::getline(lines, line);) {
        double t = 0;
        if (line.find(" rss ") != std::string::npos && std::sscanf(line.c_str(), "t=%lf", &t) == 1 && t > 0.05 && t < 0.25)
            ++samplesInPause;
    }
    CHECK(samplesInPause > 0);
}

// A program that sandboxes itself with a seccomp allowlist (sshd's privilege-separation child,
// libseccomp users) died of SIGSYS under memtrace, at the shim's next system call (gettid in a
// hook), where it ran untracked. The shim now runs the filter on its own system calls first
// (preload/seccomp_filter.h): an allowlist ends the capture before it is installed, with the
// reason in the capture; a denylist lets tracking go on.
TEST_CASE("a program that sandboxes itself with seccomp runs as untracked", "[hardening][process]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    const std::string reason = "the program installs a seccomp filter that would refuse the shim's system calls";
    for (const std::string mode : {"allowlist", "allowlist-syscall", "allowlist-tsync", "denylist"}) {
        DYNAMIC_SECTION(mode)
        {
            const ProcessResult untracked = runCommand({examplePath("seccomp_sandbox"), mode});
            REQUIRE(untracked.status == 0);  // else the example's own filter lacks a call it needs
            const TracedRun run = traceExampleOk(dir.file(mode + ".mtrace"), "seccomp_sandbox", {mode});
            CHECK(run.process.out == untracked.out);
            const Summary got = summarize(run.capture);
            CHECK(got.data["truncated"] == false);
            if (mode == "denylist") {
                CHECK(got.data["tracking_stopped"].is_null());
                CHECK(run.process.err.find("stopped tracking") == std::string::npos);
                expectKind(got, base, "malloc", 3000, 48000 + 2000 * 64);  // after the filter too
                expectKind(got, base, "free", 2500, std::nullopt);
            } else {
                CHECK(got.data["tracking_stopped"] == reason);
                CHECK(run.process.err.find("memtrace: stopped tracking: " + reason) != std::string::npos);
                expectKind(got, base, "malloc", 1000, 48000);  // everything before the filter
                expectLeakFrom(got, "make_blocks", 24000, 500, "malloc");
            }
        }
    }
}
