// A program that takes over its descriptors (closes them all, dup2s /dev/null over them,
// including the capture's), chdirs and renames itself: the capture is neither lost nor
// corrupted (preload/hooks_fd.cpp).
#include <catch2/catch.hpp>

#include <sys/resource.h>

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

namespace {

// Sets RLIMIT_NOFILE's soft limit for this process (and the processes it starts) in a scope.
class FileLimit {
public:
    explicit FileLimit(rlim_t soft)
    {
        REQUIRE(getrlimit(RLIMIT_NOFILE, &m_saved) == 0);
        rlimit lowered = m_saved;
        lowered.rlim_cur = soft;
        REQUIRE(setrlimit(RLIMIT_NOFILE, &lowered) == 0);
    }
    ~FileLimit() { setrlimit(RLIMIT_NOFILE, &m_saved); }
    FileLimit(const FileLimit&) = delete;
    FileLimit& operator=(const FileLimit&) = delete;

private:
    rlimit m_saved{};
};

}  // namespace

// The shim's descriptors and libunwind's address-validation pipe sit above the program's
// numbers: its first descriptors are the ones it gets untracked, and files it opens on 3 and
// 4 are not read or written by the unwinder (which used to write a byte of memory into them
// when a walk crossed a signal frame).
TEST_CASE("the program's descriptor numbers are its own", "[hardening][fd]")
{
    TempDir dir;
    const ProcessResult untracked = runCommand({examplePath("fd_numbers"), "first"});
    REQUIRE(untracked.status == 0);
    for (const char* unwinder : {"libunwind", "fp"}) {
        DYNAMIC_SECTION(unwinder)
        {
            const TracedRun first = traceExampleOk(dir.file(std::string("first-") + unwinder + ".mtrace"), "fd_numbers",
                                                   {"first"}, {"--unwind", unwinder});
            CHECK(first.process.out == untracked.out);
            const TracedRun reuse = traceExampleOk(dir.file(std::string("reuse-") + unwinder + ".mtrace"), "fd_numbers",
                                                   {"reuse", dir.path().string()}, {"--unwind", unwinder});
            CHECK(reuse.process.out == "fd_numbers: reuse ok\n");
            const Summary got = summarize(reuse.capture);
            CHECK(got.data["truncated"] == false);
        }
    }
    SECTION("under a file limit too low for the shim's usual numbers (ulimit -n 256)")
    {
        const FileLimit limit(256);
        const ProcessResult lowUntracked = runCommand({examplePath("fd_numbers"), "first"});
        const TracedRun first = traceExampleOk(dir.file("first-low.mtrace"), "fd_numbers", {"first"});
        CHECK(first.process.out == lowUntracked.out);
        // A daemon's close loop up to the limit must still leave the capture alone.
        const TracedRun chaos = traceExampleOk(dir.file("chaos-low.mtrace"), "fd_chaos", {"close-loop"});
        CHECK(chaos.process.err == "memtrace: capture written to " + chaos.capture + "\n");
        const Summary got = summarize(chaos.capture);
        CHECK(got.data["truncated"] == false);
        expectLeakFrom(got, "phase_two", 128000, 1000, "malloc");
    }
}
