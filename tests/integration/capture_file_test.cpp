// `memtrace summary` on damaged and foreign files: a cut capture is read up to its last
// complete chunk (exit 0, one line on stderr), anything else is one error line and exit 2.
#include <catch2/catch.hpp>

#include <regex>

#include "harness.h"

using namespace memtrace::integration;

TEST_CASE("a capture cut inside a chunk is read up to the cut and reported", "[capture][truncated]")
{
    TempDir dir;
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "leaky_service");
    const std::string whole = readFile(run.capture);
    REQUIRE(whole.size() > 64);
    const std::string cutPath = dir.file("cut.mtrace");
    writeFile(cutPath, whole.substr(0, whole.size() - 5));

    const Summary cut = summarize(cutPath);
    INFO("stderr: " << cut.process.err);
    CHECK(cut.data["truncated"] == true);
    static const std::regex message(R"(^memtrace: capture truncated at byte (\d+); events up to [0-9.]+ s were read\n$)");
    std::smatch match;
    REQUIRE(std::regex_match(cut.process.err, match, message));
    CHECK(std::stoull(match[1]) <= whole.size() - 5);
}

TEST_CASE("foreign, empty, corrupt and missing files are one error line and exit 2", "[capture][corrupt]")
{
    TempDir dir;
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "leaky_service");
    const std::string whole = readFile(run.capture);

    std::vector<std::pair<std::string, std::string>> files = {
        {"text", "this is not a capture\n"},
        {"empty", ""},
        {"bad-magic", "\x89MTRACX\n" + whole.substr(8)},
        {"newer-version", whole.substr(0, 8) + std::string("\x63\x00", 2) + whole.substr(10)},
    };
    for (const auto& [name, content] : files) {
        DYNAMIC_SECTION(name)
        {
            const std::string path = dir.file(name + ".mtrace");
            writeFile(path, content);
            const ProcessResult result = runCommand({memtraceBinary(), "summary", "--json", path});
            INFO(result.describe());
            CHECK(result.status == 2);
            CHECK(result.out.empty());
            CHECK(lineCount(result.err) == 1);
            CHECK(result.err.rfind("memtrace", 0) == 0);
        }
    }
    SECTION("missing")
    {
        const ProcessResult result =
            runCommand({memtraceBinary(), "summary", "--json", dir.file("does-not-exist.mtrace")});
        INFO(result.describe());
        CHECK(result.status == 2);
        CHECK(lineCount(result.err) == 1);
    }
    SECTION("newer version names both versions")
    {
        const std::string path = dir.file("newer.mtrace");
        writeFile(path, whole.substr(0, 8) + std::string("\x63\x00", 2) + whole.substr(10));
        const ProcessResult result = runCommand({memtraceBinary(), "summary", "--json", path});
        INFO(result.describe());
        CHECK(result.err.find("capture format version 99 is newer than this memtrace") != std::string::npos);
    }
}

TEST_CASE("a file-size limit stops tracking but never the program, and the capture stays readable", "[capture][disk-full]")
{
    // RLIMIT_FSIZE with SIGXFSZ ignored: writes past 1 KiB fail with EFBIG, as on a full disk.
    TempDir dir;
    const std::string capture = dir.file("limited.mtrace");
    const std::string script = "trap '' XFSZ; ulimit -f 1; exec \"$0\" run -o \"$1\" -- \"$2\"";
    const ProcessResult run =
        runCommand({"/bin/bash", "-c", script, memtraceBinary(), capture, examplePath("threads_cross_free")});
    INFO(run.describe());
    CHECK(run.status == 0);
    CHECK(run.out == "threads_cross_free: 4 threads, 4000 blocks, 2000 handed over\n");
    // Said once, with what was kept.
    static const std::regex stopped("memtrace: stopped tracking: [A-Z0-9]+; the capture holds events up to");
    CHECK(std::distance(std::sregex_iterator(run.err.begin(), run.err.end(), stopped), std::sregex_iterator()) == 1);

    // The half-written chunk was cut off: what is left reads cleanly, as a cut capture.
    CHECK(readFile(capture).size() <= 1024);
    const Summary limited = summarize(capture);
    CHECK(limited.data["truncated"] == true);
    CHECK(limited.data["corrupt"] == false);
    // Only a file that ends on a chunk boundary gets the launcher's exit-status chunk.
    CHECK(exitStatusIs(limited.data, false, 0));
}

TEST_CASE("summary reads a capture the same on one CPU as on several", "[capture][reader]")
{
    // With more than one CPU the model's records are decoded ahead on a second thread and
    // replayed (capture_stream.h); on one CPU they are decoded straight into the model, or,
    // once the live table outgrows the cache (many_live's 100000 blocks), decoded ahead and
    // replayed on the main thread. Every way must give the same summary, byte for byte, on
    // real captures with chunks of every kind of record the hot loop handles and many it
    // does not (ring_pressure: two threads; many_live: the table grows past the cache within
    // the capture, so that both one-CPU ways read part of it).
    for (const char* example : {"ring_pressure", "many_live"}) {
        INFO(example);
        TempDir dir;
        const TracedRun run = traceExampleOk(dir.file("x.mtrace"), example);
        const ProcessResult spread = runCommand({memtraceBinary(), "summary", "--json", run.capture});
        REQUIRE(spread.status == 0);
        ProcessResult pinned;
        {
            OneCpu one;
            pinned = runCommand({memtraceBinary(), "summary", "--json", run.capture});
        }
        REQUIRE(pinned.status == 0);
        CHECK(pinned.out == spread.out);
        CHECK(number(json::parse(pinned.out), "allocations") >= 200000);
    }
}
