// mmap_partial under `memtrace run`: mappings cut by munmap, grown and shrunk by mremap,
// and the peak of mapped bytes (see examples/mmap_partial.c for the sequence).
#include <catch2/catch.hpp>

#include "expectations.h"
#include "harness.h"

using namespace memtrace::integration;

TEST_CASE("mmap_partial: partial munmap, mremap grow/shrink, file mapping, exact peak", "[mmap]")
{
    TempDir dir;
    const Summary base = baseline(dir);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "mmap_partial");
    REQUIRE(run.process.out == "mmap_partial: peak 65536 bytes mapped\n");
    const Summary capture = summarize(run.capture);

    expectKind(capture, base, "mmap(anonymous)", 1, 40960);
    expectKind(capture, base, "mmap(file)", 1, 20480);
    expectKind(capture, base, "mremap", 2, std::nullopt);
    if (capture.data["by_kind"].contains("munmap")) expectKind(capture, base, "munmap", 4, std::nullopt);
    // 10 pages, minus 2, the last 4 grown to 12: 16 pages at the peak.
    expectField(capture, base, "mmap_bytes_peak", 65536);
    // No heap calls of its own.
    expectKind(capture, base, "malloc", 0, 0);
    expectKind(capture, base, "free", 0, std::nullopt);
}
