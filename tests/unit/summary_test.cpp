#include <catch2/catch.hpp>

#include "model_test_util.h"
#include "report/human_size.h"
#include "report/report_stack.h"
#include "report/summary.h"
#include "report/summary_json.h"
#include "report/summary_text.h"

using namespace memtrace;
using format::AllocatorKind;

TEST_CASE("human sizes")
{
    CHECK(report::humanSize(0) == "0 B");
    CHECK(report::humanSize(1023) == "1023 B");
    CHECK(report::humanSize(1024) == "1.00 KiB (1024 B)");
    CHECK(report::humanSize(1572864) == "1.50 MiB (1572864 B)");
    CHECK(report::humanSize(5ull << 30) == "5.00 GiB (5368709120 B)");
    CHECK(report::seconds(1234567) == "1.234567");
}

TEST_CASE("shim and start-up frames are trimmed")
{
    reader::SourceFrame shim{"malloc", "", 0, "/opt/memtrace/lib/libmemtrace_preload.so", false, true};
    reader::SourceFrame start{"__libc_start_call_main", "", 0, "/lib/libc.so.6", false, true};
    reader::SourceFrame user{"main", "a.c", 3, "/bin/a", false, true};
    CHECK(report::isShimFrame(shim));
    CHECK_FALSE(report::isShimFrame(user));
    CHECK(report::isStartupFrame(start));
    CHECK(report::isStartupFrame({"_start", "", 0, "/bin/a", false, true}));
    CHECK_FALSE(report::isStartupFrame(user));
    // The shim's wrapper of main, seen in an unoptimized shim only.
    CHECK(report::isStartupFrame({"(anonymous namespace)::mainWatchingExit(int, char**, char**)", "", 0, shim.module, false, true}));
    CHECK_FALSE(report::isStartupFrame({"mainWatchingExit", "", 0, "/bin/a", false, true}));
}

TEST_CASE("a stack's one-line label names callers with symbols when its innermost frame has none")
{
    using reader::SourceFrame;
    const SourceFrame stripped{"libsqlite3.so.0+0xa7504", "", 0, "/lib/libsqlite3.so.0", false, false};
    const SourceFrame named{"sqlite3Malloc", "", 0, "/lib/libsqlite3.so.0", false, true};
    const SourceFrame caller{"sqlite3ParserAlloc", "", 0, "/lib/libsqlite3.so.0", false, true};
    const SourceFrame outer{"main", "a.c", 3, "/bin/a", false, true};
    CHECK(report::stackLabel({named, caller}, "?") == "sqlite3Malloc");
    CHECK(report::stackLabel({stripped, named, stripped, caller, outer}, "?") ==
          "libsqlite3.so.0+0xa7504 ← sqlite3Malloc ← sqlite3ParserAlloc");
    CHECK(report::stackLabel({stripped}, "?") == "libsqlite3.so.0+0xa7504");
    CHECK(report::stackLabel({}, "(no stack)") == "(no stack)");
}

TEST_CASE("summary JSON has exact numbers and the documented keys")
{
    test::CaptureBuilder b;
    b.processInfo(4321, "/usr/bin/prog", {"prog", "--big"});
    b.threadStart(0, 4321, "prog");
    auto& e = b.records();
    const uint64_t s1[] = {0x1001};
    const uint64_t s2[] = {0x2002};
    e.stack(1, s1, 1);
    e.stack(2, s2, 1);
    e.time(100);
    e.thread(0);
    e.alloc(AllocatorKind::Malloc, 0x10, 1000, 1);
    e.alloc(AllocatorKind::New, 0x20, 3000, 2);
    e.time(2500);
    e.free(AllocatorKind::Delete, 0x20);
    e.mmap(AllocatorKind::MmapAnonymous, 0x7f0000000000, 8192, 3, 0x22, 1);
    b.rss(1 << 20);
    e.time(3000);
    b.end();
    b.endChunk();
    b.exitStatus(format::ExitKind::Exited, 0);
    b.endChunk();

    test::LoadedCapture c;
    test::load(b, "summary.mtrace", c);
    reader::Symbolizer symbolizer(c.model.stacks());
    const report::Summary s = report::buildSummary(c.model, c.result, symbolizer);
    const nlohmann::json j = report::summaryJson(s);

    CHECK(j["allocations"] == 2);
    CHECK(j["frees"] == 1);
    CHECK(j["allocated_bytes"] == 4000);
    CHECK(j["peak_heap_bytes"] == 4000);
    CHECK(j["peak_heap_time_s"] == Approx(0.0001));
    CHECK(j["peak_rss_bytes"] == 1 << 20);
    CHECK(j["leaked_bytes"] == 1000);
    CHECK(j["leaked_blocks"] == 1);
    CHECK(j["duration_s"] == Approx(0.003));
    CHECK(j["truncated"] == false);
    CHECK(j["mmap_bytes_peak"] == 8192);
    CHECK(j["exit_status"]["kind"] == "exit");
    CHECK(j["exit_status"]["code"] == 0);
    CHECK(j["program"] == "/usr/bin/prog");
    CHECK(j["command_line"] == nlohmann::json::array({"prog", "--big"}));
    CHECK(j["pid"] == 4321);
    CHECK(j["threads"] == 1);
    CHECK(j["by_kind"]["malloc"]["count"] == 1);
    CHECK(j["by_kind"]["malloc"]["bytes"] == 1000);
    CHECK(j["by_kind"]["operator new"]["bytes"] == 3000);
    CHECK(j["by_kind"]["operator delete"]["count"] == 1);
    CHECK(j["by_kind"]["mmap(anonymous)"]["bytes"] == 8192);
    REQUIRE(j["top_peak_stacks"].size() == 2);
    CHECK(j["top_peak_stacks"][0]["bytes"] == 3000);
    CHECK(j["top_peak_stacks"][1]["bytes"] == 1000);
    REQUIRE(j["top_leaks"].size() == 1);
    CHECK(j["top_leaks"][0]["bytes"] == 1000);
    CHECK(j["top_leaks"][0]["blocks"] == 1);
    CHECK(j["top_leaks"][0]["kind"] == "malloc");
    REQUIRE(j["top_leaks"][0]["stack"].size() == 1);
    CHECK(j["top_leaks"][0]["stack"][0].contains("function"));
    CHECK(j["top_leaks"][0]["stack"][0].contains("file"));
    CHECK(j["top_leaks"][0]["stack"][0].contains("line"));
    CHECK(j["top_leaks"][0]["stack"][0].contains("module"));

    const std::string text = report::summaryText(s);
    CHECK_THAT(text, Catch::Contains("peak heap           3.91 KiB (4000 B) at 0.000100 s"));
    CHECK_THAT(text, Catch::Contains("leaked              1000 B in 1 block"));
}

namespace {

// The summary of what `b` built, written to `name` and read back.
report::Summary summaryOf(test::CaptureBuilder& b, const std::string& name)
{
    test::LoadedCapture c;
    test::load(b, name, c);
    reader::Symbolizer symbolizer(c.model.stacks());
    return report::buildSummary(c.model, c.result, symbolizer);
}

}  // namespace

TEST_CASE("summary says a fatal signal ended the process when only the shim's End says so")
{
    for (const bool launcherStatus : {false, true}) {
        test::CaptureBuilder b;
        auto& e = b.records();
        e.time(7);
        e.thread(0);
        e.alloc(AllocatorKind::Malloc, 0x10, 5, 0);
        b.end(format::EndReason::FatalSignal);
        b.endChunk();
        if (launcherStatus) {
            b.exitStatus(format::ExitKind::Signaled, 15);
            b.endChunk();
        }
        const report::Summary summary = summaryOf(b, "signal-summary.mtrace");
        CHECK(report::summaryJson(summary)["ended_by_signal"] == true);
        const std::string text = report::summaryText(summary);
        if (launcherStatus) {
            CHECK_THAT(text, Catch::Contains(", killed by signal 15, 0 threads"));
            CHECK_THAT(text, !Catch::Contains("ended by a signal"));
        } else {
            CHECK_THAT(text, Catch::Contains(", ended by a signal, 0 threads"));
        }
        CHECK_THAT(text, !Catch::Contains("truncated"));
    }
}

TEST_CASE("summary of a cut capture says truncated")
{
    test::CaptureBuilder b;
    auto& e = b.records();
    e.time(7);
    e.thread(0);
    e.alloc(AllocatorKind::Malloc, 0x10, 5, 0);
    b.endChunk();
    e.time(9);
    e.alloc(AllocatorKind::Malloc, 0x20, 5, 0);
    b.endChunk();
    const size_t cut = b.bytes().size() - 3;
    test::LoadedCapture c;
    c.result = reader::loadCapture(b.write("cut-summary.mtrace", cut), c.model);
    reader::Symbolizer symbolizer(c.model.stacks());
    const auto j = report::summaryJson(report::buildSummary(c.model, c.result, symbolizer));
    CHECK(j["truncated"] == true);
    CHECK(j["allocations"] == 1);
    CHECK(j["duration_s"] == Approx(0.000007));
    CHECK(j["truncated_at_byte"].is_number());
    CHECK(j["ended_by_signal"] == false);
}

TEST_CASE("summary names why tracking stopped")
{
    test::CaptureBuilder b;
    auto& e = b.records();
    e.time(7);
    e.thread(0);
    e.alloc(AllocatorKind::Malloc, 0x10, 5, 0);
    e.beginExtension(format::RecordType::TrackingStopped);
    e.fieldString("a sandbox\nwith a newline");
    e.endExtension();
    b.end(format::EndReason::Stopped);
    b.endChunk();
    const report::Summary summary = summaryOf(b, "stopped-summary.mtrace");
    CHECK(report::summaryJson(summary)["tracking_stopped"] == "a sandbox\nwith a newline");
    CHECK_THAT(report::summaryText(summary),
               Catch::Contains("  tracking            stopped at 0.000007 s: a sandbox\\nwith a newline; nothing after it is recorded\n"));
}

TEST_CASE("summary of a capture whose tracking did not stop has tracking_stopped null")
{
    test::CaptureBuilder b;
    b.records().time(7);
    b.end(format::EndReason::Exit);
    b.endChunk();
    const report::Summary summary = summaryOf(b, "unstopped-summary.mtrace");
    CHECK(report::summaryJson(summary)["tracking_stopped"].is_null());
    CHECK_THAT(report::summaryText(summary), !Catch::Contains("tracking "));
}
