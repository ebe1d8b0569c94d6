// Ways out of a process that skip main's return: exit() from a second thread, quick_exit().
// (SIGKILL, SIGSEGV, abort and _exit: tests/integration/process_test.cpp.)
#include <catch2/catch.hpp>

#include <csignal>

#include "expectations.h"
#include "harness.h"

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
