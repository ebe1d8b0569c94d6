// Ways out of a process that skip main's return: exit() from a second thread, quick_exit().
// (SIGKILL, SIGSEGV, abort and _exit: tests/integration/process_test.cpp.)
#include <catch2/catch.hpp>

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
