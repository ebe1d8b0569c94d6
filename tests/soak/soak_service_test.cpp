// Soak mode end to end: examples/soak/soak_service (one slowly growing session list among
// noisy bounded caches) under `memtrace run --soak=200ms` and without --soak.
//   - `memtrace growth` ranks the growing cache first, on the soak and on the full capture;
//   - a soak capture's totals equal the full capture's (the program is deterministic);
//   - leaks of a soak capture are the live-at-end stacks;
//   - SIGKILL in the middle leaves a capture readable up to its last snapshot;
//   - the size of a soak capture does not follow the event count.
// No timing thresholds: the service paces itself, and every check is on counts and bytes.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <unistd.h>
#include <vector>

#include "process_runner.h"

namespace {

namespace fs = std::filesystem;
using memtrace::integration::ProcessOptions;
using memtrace::integration::ProcessResult;
using memtrace::integration::runCommand;
using nlohmann::json;

constexpr const char* kIterations = "2500";  // ~2.5 s at one iteration per millisecond

struct TempDir {
    std::string path;
    TempDir()
    {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/memtrace-soak.XXXXXX";
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp " + pattern);
        path = pattern;
    }
    ~TempDir()
    {
        if (std::getenv("MEMTRACE_KEEP_TEST_DIRS")) return;
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

// Records the service; `soak` empty = a full capture. Returns the run's result.
ProcessResult record(const std::string& output, const std::string& soak, std::vector<std::string> serviceArgs)
{
    ProcessOptions options;
    options.argv = {MEMTRACE_BINARY, "run"};
    if (!soak.empty()) options.argv.push_back("--soak=" + soak);
    options.argv.insert(options.argv.end(), {"-o", output, "--", SOAK_SERVICE});
    options.argv.insert(options.argv.end(), serviceArgs.begin(), serviceArgs.end());
    options.environment = {{"LD_PRELOAD", std::nullopt}, {"MEMTRACE_OUTPUT", std::nullopt},
                           {"MEMTRACE_SOAK_INTERVAL_MS", std::nullopt}};
    return memtrace::integration::runProcess(options);
}

json runJson(std::vector<std::string> argv)
{
    const ProcessResult r = runCommand(std::move(argv));
    INFO(r.describe());
    REQUIRE(r.status == 0);
    return json::parse(r.out);
}

// The soak and full capture of the same deterministic run, recorded once per test process.
struct Captures {
    TempDir dir;
    std::string soak = dir.path + "/soak.mtrace";
    std::string full = dir.path + "/full.mtrace";
    Captures()
    {
        for (const auto& [path, interval] : {std::pair{soak, std::string("200ms")}, std::pair{full, std::string()}}) {
            const ProcessResult r = record(path, interval, {kIterations, "16"});
            if (r.status != 0) throw std::runtime_error("memtrace run: " + r.describe());
        }
    }
};

const Captures& captures()
{
    static const Captures c;
    return c;
}

std::string innermostFunction(const json& row) { return row.at("frames").at(0).at("function").get<std::string>(); }

uint64_t snapshotRecords(const std::string& capture)
{
    const ProcessResult r = runCommand({MEMTRACE_BINARY, "dump", "--stats", capture});
    REQUIRE(r.status == 0);
    std::smatch m;
    if (!std::regex_search(r.out, m, std::regex(R"(\nSnapshot\s+(\d+))"))) return 0;
    return std::stoull(m[1]);
}

}  // namespace

// One test case, so that the two captures are recorded once per test process (sections
// re-enter the case; captures() is static).
TEST_CASE("soak and full capture of the same run")
{
    SECTION("growth ranks the growing cache first in a soak capture")
    {
        const json g = runJson({MEMTRACE_BINARY, "growth", "--format", "json", captures().soak});
        CHECK(g.at("soak").get<bool>());
        CHECK(g.at("samples").get<uint64_t>() >= 5);
        REQUIRE(!g.at("stacks").empty());
        CHECK(innermostFunction(g.at("stacks").at(0)) == "remember_session");
        CHECK(g.at("stacks").at(0).at("r2").get<double>() > 0.9);
    }
    SECTION("growth ranks the growing cache first in a full capture, also after a warm-up skip")
    {
        for (const char* skip : {"0", "500ms"}) {
            const json g = runJson({MEMTRACE_BINARY, "growth", "--format", "json", "--skip", skip, captures().full});
            CHECK_FALSE(g.at("soak").get<bool>());
            REQUIRE(!g.at("stacks").empty());
            CHECK(innermostFunction(g.at("stacks").at(0)) == "remember_session");
        }
        // ~96 bytes per millisecond: the slope must be that order of magnitude (330 MiB/h).
        const json g = runJson({MEMTRACE_BINARY, "growth", "--format", "json", "--top", "100", captures().full});
        // Only stacks that ended above where they started: the bounded caches, freed at exit,
        // were once ranked second (0 B -> 0 B, R^2 0.01).
        for (const json& row : g.at("stacks")) CHECK(row.at("last_bytes").get<uint64_t>() > row.at("first_bytes").get<uint64_t>());
        const double slope = g.at("stacks").at(0).at("slope_bytes_per_hour").get<double>();
        CHECK(slope > 96.0 * 3.6e6 * 0.5);
        CHECK(slope < 96.0 * 3.6e6 * 2.0);
    }
    SECTION("a soak capture's totals equal the full capture's")
    {
        const json soak = runJson({MEMTRACE_BINARY, "summary", "--json", captures().soak});
        const json full = runJson({MEMTRACE_BINARY, "summary", "--json", captures().full});
        for (const char* key : {"allocations", "frees", "allocated_bytes", "freed_bytes", "frees_unmatched",
                                "temporary_allocations", "anomalies", "peak_heap_bytes", "leaked_bytes", "leaked_blocks"}) {
            INFO(key);
            CHECK(soak.at(key) == full.at(key));
        }
        CHECK(soak.at("by_kind") == full.at("by_kind"));
        // Live at end: 2500 session records of 96 bytes, everything else freed.
        CHECK(soak.at("leaked_blocks").get<uint64_t>() == 2500);
        CHECK(soak.at("leaked_bytes").get<uint64_t>() == 2500 * 96);
        REQUIRE(!soak.at("top_leaks").empty());
        CHECK(soak.at("top_leaks").at(0).at("stack").at(0).at("function") == "remember_session");
    }
    SECTION("leaks of a soak capture are the stacks live at the end")
    {
        const ProcessResult r = runCommand({MEMTRACE_BINARY, "leaks", captures().soak});
        INFO(r.describe());
        CHECK(r.out.find("remember_session") != std::string::npos);
        CHECK(r.out.find("240000") != std::string::npos);  // 2500 x 96 bytes
        CHECK((r.out + r.err).find("live at the end") != std::string::npos);
    }
    SECTION("flamegraph, report and dump read a soak capture")
    {
        // Folded stacks by allocated bytes: the same per-stack totals as the full capture.
        const ProcessResult soakFolded =
            runCommand({MEMTRACE_BINARY, "flamegraph", "--folded", "--metric", "allocated", captures().soak});
        const ProcessResult fullFolded =
            runCommand({MEMTRACE_BINARY, "flamegraph", "--folded", "--metric", "allocated", captures().full});
        REQUIRE(soakFolded.status == 0);
        REQUIRE(fullFolded.status == 0);
        CHECK(soakFolded.out == fullFolded.out);
        CHECK(soakFolded.out.find("remember_session") != std::string::npos);

        TempDir out;
        const ProcessResult report = runCommand({MEMTRACE_BINARY, "report", "-o", out.path + "/r.html", captures().soak});
        INFO(report.describe());
        CHECK(report.status == 0);
        // The page's data: the heap timeline has a point per snapshot (~12 at 200 ms over 2.5 s),
        // drawn from the same fields as a full capture's.
        std::ifstream page(out.path + "/r.html");
        const std::string html((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
        const std::string open = "<script type=\"application/json\" id=\"memtrace-data\">";
        const size_t begin = html.find(open);
        REQUIRE(begin != std::string::npos);
        const size_t end = html.find("</script>", begin);
        const json data = json::parse(html.substr(begin + open.size(), end - begin - open.size()));
        size_t heapPoints = 0;
        for (const json& h : data.at("timeline").at("heap")) heapPoints += h.get<uint64_t>() > 0;
        CHECK(heapPoints >= 10);
        CHECK(data.at("history").at("complete").get<bool>());

        const ProcessResult dump = runCommand({MEMTRACE_BINARY, "dump", captures().soak});
        REQUIRE(dump.status == 0);
        CHECK(dump.out.find("soak capture: no individual allocation events") != std::string::npos);
        CHECK(dump.out.find("snapshot seq=0") != std::string::npos);
        CHECK(dump.out.find(" alloc ") == std::string::npos);  // no event lines
    }
    SECTION("growth: bad input is one line and exit status 2")
    {
        TempDir dir;
        const std::string junk = dir.path + "/junk.mtrace";
        {
            FILE* f = std::fopen(junk.c_str(), "w");
            std::fputs("not a capture\n", f);
            std::fclose(f);
        }
        for (const std::vector<std::string>& argv :
             {std::vector<std::string>{MEMTRACE_BINARY, "growth", junk},
              std::vector<std::string>{MEMTRACE_BINARY, "growth", "--skip", "5 parsecs", captures().soak},
              std::vector<std::string>{MEMTRACE_BINARY, "growth", "--skip", "1h", captures().soak},
              std::vector<std::string>{MEMTRACE_BINARY, "run", "--soak=fast", "--", SOAK_SERVICE, "1", "1"}}) {
            const ProcessResult r = runCommand(argv);
            INFO(r.describe());
            CHECK(r.status == 2);
            CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        }
    }
}

TEST_CASE("a soak capture killed by SIGKILL is readable up to its last snapshot")
{
    TempDir dir;
    const std::string capture = dir.path + "/killed.mtrace";
    // The service raises SIGKILL at iteration 1500 (~1.5 s, ~7 snapshots at 200 ms).
    const ProcessResult run = record(capture, "200ms", {kIterations, "16", "1500"});
    INFO(run.describe());
    REQUIRE(run.status == 128 + 9);

    const json s = runJson({MEMTRACE_BINARY, "summary", "--json", capture});
    CHECK(s.at("truncated").get<bool>());
    CHECK(s.at("exit_status").at("kind") == "signal");
    const uint64_t snapshots = snapshotRecords(capture);
    CHECK(snapshots >= 3);
    // The last snapshot is at most 1500 iterations in: every count is between what that many
    // snapshots imply and what the run reached.
    const uint64_t leakedBlocks = s.at("leaked_blocks").get<uint64_t>();
    CHECK(leakedBlocks > 0);
    CHECK(leakedBlocks <= 1500 + 64 + 256 + 32);
    const json g = runJson({MEMTRACE_BINARY, "growth", "--format", "json", capture});
    CHECK(g.at("truncated").get<bool>());
    REQUIRE(!g.at("stacks").empty());
    CHECK(innermostFunction(g.at("stacks").at(0)) == "remember_session");
}

TEST_CASE("a soak capture killed by SIGTERM ends with the state at the signal")
{
    // The shim's end-of-capture handler (preload/fatal_signals.h) writes the last snapshot and
    // End before the signal's default action: the capture is complete, not cut.
    TempDir dir;
    const std::string capture = dir.path + "/terminated.mtrace";
    const ProcessResult run = record(capture, "200ms", {kIterations, "16", "1500", "term"});
    INFO(run.describe());
    REQUIRE(run.status == 128 + 15);

    const json s = runJson({MEMTRACE_BINARY, "summary", "--json", capture});
    CHECK_FALSE(s.at("truncated").get<bool>());
    CHECK(s.at("exit_status").at("kind") == "signal");
    // At the signal: 1500 sessions and the bounded caches' 64 + 256 + 32 blocks.
    CHECK(s.at("leaked_blocks").get<uint64_t>() == 1500 + 64 + 256 + 32);
    const json g = runJson({MEMTRACE_BINARY, "growth", "--format", "json", capture});
    REQUIRE(!g.at("stacks").empty());
    CHECK(innermostFunction(g.at("stacks").at(0)) == "remember_session");
}

TEST_CASE("a soak capture's size does not grow with the event count")
{
    TempDir dir;
    const std::string few = dir.path + "/few.mtrace", many = dir.path + "/many.mtrace";
    const std::string fewFull = dir.path + "/few_full.mtrace";
    REQUIRE(record(few, "200ms", {"1500", "8"}).status == 0);
    REQUIRE(record(many, "200ms", {"1500", "80"}).status == 0);  // 10x the short-lived allocations
    REQUIRE(record(fewFull, "", {"1500", "8"}).status == 0);

    const json a = runJson({MEMTRACE_BINARY, "summary", "--json", few});
    const json b = runJson({MEMTRACE_BINARY, "summary", "--json", many});
    // (80 + 4) / (8 + 4) allocations per iteration: 7x the events.
    const double eventRatio = b.at("allocations").get<double>() / a.at("allocations").get<double>();
    CHECK(eventRatio > 6.5);
    const double fewBytes = static_cast<double>(fs::file_size(few));
    const double manyBytes = static_cast<double>(fs::file_size(many));
    INFO("soak sizes " << fewBytes << " and " << manyBytes << ", full " << fs::file_size(fewFull));
    CHECK(manyBytes < fewBytes * 1.5);
    CHECK(fewBytes * 10 < static_cast<double>(fs::file_size(fewFull)));
}
