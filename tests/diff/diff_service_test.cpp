// The three builds of examples/diff_service under the real `memtrace run`, compared with the
// real `memtrace diff`: exact per-stack deltas, matching across a rebuild with moved addresses
// and lines, --match modes, --fail-if exit statuses, self-diff, and the Markdown (golden).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <unistd.h>
#include <vector>

#include "golden_file.h"
#include "process_runner.h"

namespace {

namespace fs = std::filesystem;
using memtrace::integration::ProcessOptions;
using memtrace::integration::ProcessResult;
using nlohmann::json;

// The three captures, recorded once per test process in a private directory.
struct Captures {
    std::string dir;
    std::string base, head, shifted;

    Captures()
    {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/memtrace-diff.XXXXXX";
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp " + pattern);
        dir = pattern;
        base = record(DIFF_SERVICE_BASE, "base.mtrace");
        head = record(DIFF_SERVICE_HEAD, "head.mtrace");
        shifted = record(DIFF_SERVICE_HEAD_SHIFTED, "head_shifted.mtrace");
    }
    ~Captures()
    {
        if (std::getenv("MEMTRACE_KEEP_TEST_DIRS")) return;
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    }

    std::string record(const char* program, const char* name) const
    {
        ProcessOptions options;
        options.argv = {MEMTRACE_BINARY, "run", "-o", dir + "/" + name, program};
        options.environment = {{"LD_PRELOAD", std::nullopt}, {"MEMTRACE_OUTPUT", std::nullopt},
                               {"MEMTRACE_MAX_DEPTH", std::nullopt}, {"MEMTRACE_UNWIND", std::nullopt}};
        const ProcessResult r = memtrace::integration::runProcess(options);
        if (r.status != 0) throw std::runtime_error(std::string("memtrace run ") + program + ": " + r.describe());
        return dir + "/" + name;
    }
};

const Captures& captures()
{
    static const Captures instance;
    return instance;
}

ProcessResult memtraceDiff(std::vector<std::string> args)
{
    args.insert(args.begin(), {MEMTRACE_BINARY, "diff"});
    return memtrace::integration::runCommand(std::move(args));
}

json diffJson(std::vector<std::string> args)
{
    args.insert(args.begin(), {"--format", "json"});
    const ProcessResult r = memtraceDiff(args);
    INFO(r.describe());
    REQUIRE(r.status == 0);
    return json::parse(r.out);
}

// The section entry whose allocating (innermost) function is `function`; null if none.
json entryFor(const json& diff, const char* section, const std::string& function)
{
    for (const json& entry : diff[section]["stacks"])
        if (!entry["stack"].empty() && entry["stack"][0]["function"] == function) return entry;
    return nullptr;
}

// Per-stack deltas from the example's header comment.
void checkServiceDeltas(const json& d)
{
    INFO(d.dump(1));
    const json cache = entryFor(d, "regressions", "fill_cache");
    REQUIRE(cache.is_object());
    CHECK(cache["status"] == "changed");
    CHECK(cache["change"]["peak_bytes"] == 65536);
    CHECK(cache["change"]["leaked_bytes"] == 0);
    CHECK(cache["change"]["allocated_bytes"] == 65536);
    CHECK(cache["change"]["allocations"] == 64);
    CHECK(cache["base"]["peak_bytes"] == 16384);
    CHECK(cache["head"]["peak_bytes"] == 81920);
    CHECK(cache["stack"][1]["function"] == "main");

    const json sessions = entryFor(d, "improvements", "open_sessions");
    REQUIRE(sessions.is_object());
    CHECK(sessions["change"]["peak_bytes"] == -4096);
    CHECK(sessions["change"]["leaked_bytes"] == -4096);
    CHECK(sessions["change"]["leaked_blocks"] == -8);
    CHECK(sessions["change"]["allocated_bytes"] == 0);
    CHECK(sessions["change"]["allocations"] == 0);
    CHECK(sessions["base"]["leaked_bytes"] == 4096);

    CHECK(d["regressions"]["total"] == 1);
    CHECK(d["improvements"]["total"] == 1);
    CHECK(d["new"]["total"] == 0);
    CHECK(d["vanished"]["total"] == 0);

    const json& t = d["totals"];
    CHECK(t["peak_heap_bytes"]["change"] == 61440);
    CHECK(t["leaked_bytes"]["change"] == -4096);
    CHECK(t["leaked_blocks"]["change"] == -8);
    CHECK(t["allocated_bytes"]["change"] == 65536);
    CHECK(t["allocations"]["change"] == 64);
}

std::string lineOf(const json& entry, size_t frame)
{
    return entry["stack"][frame]["file"].get<std::string>() + ":" + std::to_string(entry["stack"][frame]["line"].get<int>());
}

}  // namespace

TEST_CASE("base vs head: exact per-stack deltas")
{
    const Captures& c = captures();
    checkServiceDeltas(diffJson({c.base, c.head}));
    // The allocating function alone gives the same result here.
    checkServiceDeltas(diffJson({"--match", "leaf", c.base, c.head}));
}

TEST_CASE("matching survives a rebuild with moved addresses and lines")
{
    const Captures& c = captures();
    // Same deltas against the shifted build: stacks matched by function names.
    checkServiceDeltas(diffJson({c.base, c.shifted}));

    const json same = diffJson({c.head, c.shifted});
    CHECK(same["identical"] == true);
    CHECK(same["matched_stacks"].get<int>() >= 4);

    // By file:line every stack of the service moved: four new, four vanished, nothing else.
    const json byLine = diffJson({"--match", "line", c.head, c.shifted});
    CHECK(byLine["identical"] == false);
    CHECK(byLine["new"]["total"] == 4);
    CHECK(byLine["vanished"]["total"] == 4);
    CHECK(byLine["regressions"]["total"] == 0);
    CHECK(byLine["improvements"]["total"] == 0);
    for (const char* function : {"serve_requests", "open_sessions", "fill_cache", "build_index"}) {
        INFO(function);
        const json added = entryFor(byLine, "new", function);
        const json gone = entryFor(byLine, "vanished", function);
        REQUIRE(added.is_object());
        REQUIRE(gone.is_object());
        CHECK(lineOf(added, 0) != lineOf(gone, 0));
        CHECK(added["head"] == gone["base"]);  // the same allocations, only the lines moved
    }
}

TEST_CASE("a capture compared with itself shows no differences")
{
    const Captures& c = captures();
    const ProcessResult text = memtraceDiff({"--fail-if", "peak>+0", "--fail-if", "leaked>+0", c.base, c.base});
    INFO(text.describe());
    CHECK(text.status == 0);
    CHECK(text.out.find("no differences") != std::string::npos);
    CHECK(text.err.empty());
    const json j = diffJson({c.base, c.base});
    CHECK(j["identical"] == true);
    CHECK(j["hidden_as_noise"] == 0);
}

TEST_CASE("fail-if exit statuses of memtrace diff")
{
    const Captures& c = captures();
    auto status = [&](std::vector<std::string> rules) {
        std::vector<std::string> args;
        for (const std::string& rule : rules) args.insert(args.end(), {"--fail-if", rule});
        args.insert(args.end(), {c.base, c.head});
        const ProcessResult r = memtraceDiff(args);
        return r;
    };
    // peak +5.75%, leaked -4096, allocated +65536 (64 KiB exactly), allocations +51.2%.
    ProcessResult r = status({"peak>+10%", "leaked>+0", "allocated>+64KiB", "allocations>+64"});
    INFO(r.describe());
    CHECK(r.status == 0);
    CHECK(r.err.empty());

    r = status({"peak>+5%", "leaked>+0", "allocations>+10%"});
    INFO(r.describe());
    CHECK(r.status == 1);
    CHECK(r.err.find("rule failed: peak>+5%") != std::string::npos);
    CHECK(r.err.find("rule failed: allocations>+10%") != std::string::npos);
    CHECK(r.err.find("leaked>+0") == std::string::npos);

    CHECK(status({"allocated>+63KiB"}).status == 1);
    CHECK(status({"allocated>+65535"}).status == 1);
    CHECK(status({"allocated>+65536"}).status == 0);

    for (const char* bad : {"peak>5x", "heap>+5%", "allocations>+1KiB", "peak<+5%", ""}) {
        INFO("rule '" << bad << "'");
        r = status({bad});
        CHECK(r.status == 2);
        CHECK(r.err.find("bad --fail-if") != std::string::npos);
    }
    CHECK(memtraceDiff({"--min-change", "lots", c.base, c.head}).status == 2);
    CHECK(memtraceDiff({"--format", "pdf", c.base, c.head}).status == 2);
    CHECK(memtraceDiff({c.base, c.dir + "/missing.mtrace"}).status == 2);
    CHECK(memtraceDiff({c.base, std::string(DIFF_GOLDEN_DIR) + "/base_vs_head.md"}).status == 2);  // not a capture
}

TEST_CASE("markdown for a pull request (golden)")
{
    const Captures& c = captures();
    const ProcessResult r =
        memtraceDiff({"--format", "markdown", "--fail-if", "peak>+5%", "--fail-if", "leaked>+0", c.base, c.head});
    INFO(r.describe());
    REQUIRE(r.status == 1);
    // What varies between runs and checkouts: peak RSS, duration, where the sources live.
    std::string md = std::regex_replace(r.out, std::regex("\\| peak RSS \\|[^\n]*"), "| peak RSS | (varies) |");
    md = std::regex_replace(md, std::regex("\\| duration \\|[^\n]*"), "| duration | (varies) |");
    const std::string source = MEMTRACE_SOURCE_DIR;
    for (size_t at = md.find(source); at != std::string::npos; at = md.find(source, at)) md.replace(at, source.size(), "<src>");
    CHECK(md.find("❌ 1 of 2 failed") != std::string::npos);
    memtrace::difftest::checkGolden("base_vs_head.md", md);
}

TEST_CASE("html differential flamegraph")
{
    const Captures& c = captures();
    const std::string out = c.dir + "/diff.html";
    const ProcessResult r = memtraceDiff({"--format", "html", "-o", out, c.base, c.head});
    INFO(r.describe());
    REQUIRE(r.status == 0);
    CHECK(r.out.empty());
    const std::string html = memtrace::difftest::readText(out);
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("<script type=\"application/json\" id=\"diff-data\">") != std::string::npos);
    CHECK(html.find("\"fill_cache\"") != std::string::npos);
    CHECK(html.find("http://") == std::string::npos);
    CHECK(html.find("https://") == std::string::npos);
}
