// Ways out of a process that skip main's return: exit() from a second thread, quick_exit();
// the exit status of processes no launcher waits for. (SIGKILL, SIGSEGV, abort and _exit under
// memtrace run: tests/integration/process_test.cpp.)
#include <catch2/catch.hpp>

#include <csignal>
#include <sstream>

#include "expectations.h"
#include "harness.h"
#include "hardening_paths.h"

using namespace memtrace::integration;

TEST_CASE("exit from a thread and quick_exit: status passed through, capture complete", "[hardening][exit]")
{
    struct Mode {
        const char* name;
        int status;
    };
    for (const Mode mode : {Mode{"thread-exit", 7}, Mode{"quick-exit", 9}}) {
        DYNAMIC_SECTION(mode.name)
        {
            TempDir dir;
            const Summary base = baseline(dir);
            const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "exit_paths", {mode.name}, {}, mode.status);
            CHECK(run.process.out == std::string("exit_paths: ") + mode.name + "\n");
            const Summary capture = summarize(run.capture);
            CHECK(capture.process.err.empty());
            CHECK(capture.data["truncated"] == false);  // the shim wrote its End record
            CHECK(exitStatusIs(capture.data, false, mode.status));
            expectKind(capture, base, "malloc", 1000, 48000);
            expectKind(capture, base, "free", 500, std::nullopt);
            expectLeakFrom(capture, "make_blocks", 24000, 500, "malloc");
        }
    }
}

// `memtrace run` appends its own child's exit status (waitpid); a process it does not wait for
// writes its own before End: a child followed with --follow-fork (here a shell's child) and a
// program preloaded by hand. Before, their captures had none.
TEST_CASE("captures of processes no launcher waits for have their exit status", "[hardening][exit]")
{
    struct Mode {
        const char* name;
        bool signaled;
        int code;
    };
    const Mode modes[] = {
        {"return", false, 4}, {"thread-exit", false, 7}, {"quick-exit", false, 9}, {"_exit", false, 8}, {"abort", true, SIGABRT},
    };
    TempDir dir;
    const Summary base = baseline(dir);
    auto expectComplete = [&](const Summary& capture, const Mode& mode) {
        CHECK(capture.process.err.empty());
        CHECK(capture.data["truncated"] == false);
        CHECK(exitStatusIs(capture.data, mode.signaled, mode.code));
        expectKind(capture, base, "malloc", 1000, 48000);
        expectLeakFrom(capture, "make_blocks", 24000, 500, "malloc");
    };
    for (const Mode& mode : modes) {
        DYNAMIC_SECTION("followed child: " << mode.name)
        {
            TempDir out;
            const std::string capture = out.file("sh.mtrace");
            // A command followed by another is forked by the shell, not exec'd in its place.
            const ProcessResult run = runCommand({memtraceBinary(), "run", "--follow-fork", "-o", capture, "--", "/bin/sh", "-c",
                                                  "\"$0\" \"$1\"; exit 0", examplePath("exit_paths"), mode.name});
            INFO(run.describe());
            REQUIRE(run.status == 0);
            CHECK(run.out == std::string("exit_paths: ") + mode.name + "\n");
            std::vector<std::string> children;
            for (const auto& entry : fs::directory_iterator(out.path()))
                if (entry.path().filename().string().starts_with("memtrace.exit_paths.")) children.push_back(entry.path());
            REQUIRE(children.size() == 1);
            expectComplete(summarize(children[0]), mode);
            CHECK(exitStatusIs(summarize(capture).data, false, 0));  // the shell's, from the launcher
        }
        DYNAMIC_SECTION("preloaded by hand: " << mode.name)
        {
            const std::string capture = dir.file(std::string("hand") + mode.name + ".mtrace");
            ProcessOptions options;
            options.argv = {examplePath("exit_paths"), mode.name};
            options.environment = {{"LD_PRELOAD", std::string(kShimPath)}, {"MEMTRACE_OUTPUT", capture}};
            const ProcessResult run = runProcess(options);
            INFO(run.describe());
            CHECK(run.status == (mode.signaled ? 128 + mode.code : mode.code));
            expectComplete(summarize(capture), mode);
        }
    }
    SECTION("memtrace run's own child: one ExitStatus, the launcher's")
    {
        const TracedRun run = traceExampleOk(dir.file("root.mtrace"), "exit_paths", {"return"}, {}, 4);
        const ProcessResult dump = runCommand({memtraceBinary(), "dump", run.capture});
        REQUIRE(dump.status == 0);
        std::istringstream lines(dump.out);
        int statuses = 0;
        for (std::string line; std::getline(lines, line);) statuses += line.find("exit_status") != std::string::npos;
        CHECK(statuses == 1);
        CHECK(exitStatusIs(summarize(run.capture).data, false, 4));
    }
}

// A SIGTERM that lands while _exit writes the end of the capture: the process still dies of it
// (or exits 5 if it came too late), but only once the capture is complete. The thread that
// takes the signal waits for the one writing; the writing thread defers it. Before, the
// capture was cut most of the time (the signal handler gave up on a drain lock held by the
// exiting thread and let the signal kill the process mid-write).
TEST_CASE("SIGTERM during _exit's end of capture: the capture is complete", "[hardening][exit]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    for (int attempt = 0; attempt < 5; ++attempt) {
        DYNAMIC_SECTION("attempt " << attempt)
        {
            const std::string capture = dir.file("term" + std::to_string(attempt) + ".mtrace");
            const TracedRun run = traceExample(capture, "exit_paths", {"term-in-exit"});
            INFO(run.process.describe());
            CHECK((run.process.status == 128 + SIGTERM || run.process.status == 5));
            CHECK(run.process.out == "exit_paths: term-in-exit\n");
            const Summary got = summarize(capture);
            CHECK(got.data["truncated"] == false);
            expectKind(got, base, "malloc", 201000, 48000 + 200000 * 16);
            expectLeakFrom(got, "make_blocks", 24000, 500, "malloc");
        }
    }
}

// The shim's first hook on a thread runs on the thread's own stack: on a PTHREAD_STACK_MIN
// thread that has used 8 KiB, it crashed the program (SIGSEGV, both unwinders) until the
// /proc/self/maps buffer of the stack-bounds lookup went from 4 KiB to 1 KiB.
TEST_CASE("a PTHREAD_STACK_MIN thread that has used 8 KiB can allocate", "[hardening][stack]")
{
    const ProcessResult untracked = runCommand({examplePath("small_stack"), "8"});
    REQUIRE(untracked.status == 0);  // else this example no longer tests anything here
    TempDir dir;
    for (const char* unwinder : {"libunwind", "fp"}) {
        DYNAMIC_SECTION(unwinder)
        {
            const TracedRun run = traceExampleOk(dir.file(std::string(unwinder) + ".mtrace"), "small_stack", {"8"},
                                                 {"--unwind", unwinder});
            CHECK(run.process.out == "small_stack: thread done\n");
            const Summary got = summarize(run.capture);
            CHECK(got.data["truncated"] == false);
            CHECK(!leaksFrom(got.data, "allocate_deep").size());
        }
    }
}
