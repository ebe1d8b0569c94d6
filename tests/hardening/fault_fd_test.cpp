// A program that takes over its descriptors (closes them all, dup2s /dev/null over them,
// including the capture's), chdirs and renames itself: the capture is neither lost nor
// corrupted (preload/hooks_fd.cpp).
#include <catch2/catch.hpp>

#include "expectations.h"
#include "harness.h"

using namespace memtrace::integration;

TEST_CASE("closing every descriptor, dup2 over them, chdir and renaming keep the capture", "[hardening][fd]")
{
    TempDir dir;
    // The reference: the same program, same calls, nothing hostile.
    const TracedRun reference = traceExampleOk(dir.file("none.mtrace"), "fd_chaos", {"none"});
    const Summary expected = summarize(reference.capture);
    REQUIRE(expected.data["truncated"] == false);
    expectLeakFrom(expected, "phase_two", 128000, 1000, "malloc");

    for (const char* mode : {"close-loop", "close-listed", "close-range", "closefrom", "dup2"}) {
        DYNAMIC_SECTION(mode)
        {
            const std::string capture = dir.file(std::string(mode) + ".mtrace");
            const TracedRun run = traceExampleOk(capture, "fd_chaos", {mode});
            CHECK(run.process.out == std::string("fd_chaos: ") + mode + " done, 2000 blocks\n");
            // Exactly one line from memtrace: no "stopped tracking".
            CHECK(run.process.err == "memtrace: capture written to " + capture + "\n");
            const Summary got = summarize(capture);
            CHECK(got.process.err.empty());
            CHECK(got.data["truncated"] == false);
            CHECK(got.data["corrupt"] == false);
            CHECK(exitStatusIs(got.data, false, 0));
            CHECK(got.data["by_kind"] == expected.data["by_kind"]);
            for (const char* field : {"allocations", "frees", "leaked_bytes", "leaked_blocks", "peak_heap_bytes"})
                CHECK(number(got.data, field) == number(expected.data, field));
            expectLeakFrom(got, "phase_two", 128000, 1000, "malloc");
            // RSS kept being sampled through the shim's own (protected) /proc/self/statm.
            CHECK(number(got.data, "peak_rss_bytes") > 0);
        }
    }
}
