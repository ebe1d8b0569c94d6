// Capture files cannot be used to hijack another file, and strings from a capture cannot
// inject markup or structure into any output format.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <regex>
#include <sstream>

#include "expectations.h"
#include "hardening_paths.h"
#include "harness.h"

using namespace memtrace::integration;

namespace {

// The shim started directly (no launcher and its existence check), as if the capture name had
// been taken by someone else between the check and the program's start.
ProcessResult runShimDirectly(const std::string& capture, const std::string& example)
{
    ProcessOptions options;
    options.argv = {examplePath(example), "0"};
    options.environment = {{"LD_PRELOAD", std::string(kShimPath)},
                           {"MEMTRACE_OUTPUT", capture},
                           {"MEMTRACE_ROOT_PID", std::nullopt},
                           {"MEMTRACE_FOLLOW_FORK", std::nullopt},
                           {"MEMTRACE_EXEC_GENERATION", std::nullopt}};
    return runProcess(options);
}

const std::string kVictimText = "victim's data\n";

// The Markdown text outside ``` fenced blocks.
std::string outsideCodeBlocks(const std::string& markdown)
{
    std::istringstream lines(markdown);
    std::string line, kept;
    bool inFence = false;
    while (std::getline(lines, line)) {
        if (line.rfind("```", 0) == 0) inFence = !inFence;
        else if (!inFence) kept += line + "\n";
    }
    return kept;
}

// Whether some string value anywhere in `data` contains `text` (the JSON round trip is exact).
bool anyStringContains(const json& data, const std::string& text)
{
    if (data.is_string()) return data.get<std::string>().find(text) != std::string::npos;
    if (data.is_structured())
        for (const auto& item : data) if (anyStringContains(item, text)) return true;
    return false;
}

}  // namespace

TEST_CASE("a capture path that is a symlink or an existing file is never written through",
          "[hardening][security]")
{
    TempDir dir;
    const std::string victim = dir.file("victim.txt");
    writeFile(victim, kVictimText);
    const std::string link = dir.file("x.mtrace");
    fs::create_symlink(victim, link);

    SECTION("memtrace run refuses an existing name; --force replaces the link, not its target")
    {
        const TracedRun refused = traceExample(link, "exit_code", {"0"});
        CHECK(refused.process.status == 2);
        CHECK(readFile(victim) == kVictimText);
        const TracedRun forced = traceExample(link, "exit_code", {"0"}, {"--force"});
        CHECK(forced.process.status == 0);
        CHECK(readFile(victim) == kVictimText);
        CHECK_FALSE(fs::is_symlink(link));
        summarize(link);
    }
    SECTION("the shim itself: O_EXCL|O_NOFOLLOW, the program runs on untraced")
    {
        const ProcessResult run = runShimDirectly(link, "exit_code");
        INFO(run.describe());
        CHECK(run.status == 0);
        CHECK(run.err.find("memtrace: not tracking: cannot create the capture file " + link + " (EEXIST)") == 0);
        CHECK(readFile(victim) == kVictimText);
        CHECK(fs::is_symlink(link));
    }
    SECTION("a dangling symlink does not create its target")
    {
        const std::string dangling = dir.file("dangling.mtrace");
        fs::create_symlink(dir.file("created-by-us"), dangling);
        const ProcessResult run = runShimDirectly(dangling, "exit_code");
        CHECK(run.status == 0);
        CHECK_FALSE(fs::exists(dir.file("created-by-us")));
    }
    SECTION("an existing regular file is not truncated")
    {
        const ProcessResult run = runShimDirectly(victim, "exit_code");
        CHECK(run.status == 0);
        CHECK(readFile(victim) == kVictimText);
    }
}

TEST_CASE("in a world-writable sticky directory another user can neither read nor replace a capture",
          "[hardening][security]")
{
    if (geteuid() != 0) FAIL("needs root to act as a second user (nobody); the O_EXCL|O_NOFOLLOW part is tested above");
    TempDir dir;
    REQUIRE(chmod(dir.path().c_str(), 01777) == 0);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), "exit_code", {"0"});
    struct stat st {};
    REQUIRE(lstat(run.capture.c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(st.st_uid == geteuid());
    const std::vector<std::string> asNobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
    auto nobody = [&](std::vector<std::string> argv) {
        argv.insert(argv.begin(), asNobody.begin(), asNobody.end());
        return runCommand(argv);
    };
    CHECK(nobody({"/usr/bin/cat", run.capture}).status != 0);                     // 0600: not readable
    CHECK(nobody({"/usr/bin/rm", "-f", run.capture}).status != 0);                // sticky: not removable
    CHECK(nobody({"/usr/bin/mv", "-f", "/dev/null", run.capture}).status != 0);  // nor replaceable
    // A name planted by the other user is refused by the launcher, and by the shim at open.
    const std::string planted = dir.file("planted.mtrace");
    REQUIRE(nobody({"/usr/bin/ln", "-s", "/etc/passwd", planted}).status == 0);
    CHECK(traceExample(planted, "exit_code", {"0"}).process.status == 2);
    const ProcessResult direct = runShimDirectly(planted, "exit_code");
    CHECK(direct.err.find("(EEXIST)") != std::string::npos);
    summarize(run.capture);
}

TEST_CASE("hostile symbol, file and argument strings are escaped in every output", "[hardening][security]")
{
    TempDir dir;
    const std::string hostileArg = "arg<script>|`x`\"'\nline2";
    const std::string capture = dir.file("hostile.mtrace");
    ProcessOptions options;
    options.argv = {memtraceBinary(), "run", "-o", capture, "--", kHostileProgram, hostileArg};
    const ProcessResult run = runProcess(options);
    INFO(run.describe());
    REQUIRE(run.status == 0);
    const TracedRun base = traceExampleOk(dir.file("base.mtrace"), "empty");
    const std::string symbol = "<script>alert(1)</script>|`tick`|'sq';semi";
    auto memtrace = [&](std::vector<std::string> args) {
        args.insert(args.begin(), memtraceBinary());
        const ProcessResult result = runCommand(args);
        INFO(result.describe());
        REQUIRE(result.status == 0);
        return result.out;
    };

    SECTION("JSON: the strings come back exactly")
    {
        for (const auto& args : std::vector<std::vector<std::string>>{
                 {"summary", "--json", capture}, {"leaks", "--format", "json", capture},
                 {"diff", "--format", "json", base.capture, capture}}) {
            const json data = json::parse(memtrace(args));  // throws (fails) on broken JSON
            CHECK(anyStringContains(data, symbol));
            CHECK(anyStringContains(data, "evil\n| `file` |<script>x</script>\".c"));
        }
        const json summary = json::parse(memtrace({"summary", "--json", capture}));
        CHECK(summary["command_line"][1] == hostileArg);
    }
    SECTION("Markdown: no raw markup, table rows stay rows")
    {
        for (const auto& args : std::vector<std::vector<std::string>>{
                 {"leaks", "--format", "markdown", capture}, {"diff", "--format", "markdown", base.capture, capture}}) {
            const std::string out = memtrace(args);
            INFO(out);
            // Raw text only inside fenced code blocks (names stay exact there, markup is inert).
            CHECK(outsideCodeBlocks(out).find("<script>") == std::string::npos);
            CHECK(out.find("\nline2") == std::string::npos);
            // Every table row has as many unescaped bars as its table's header.
            std::istringstream lines(out);
            std::string line;
            int columns = -1;
            const std::regex bar(R"((^|[^\\])\|)");
            while (std::getline(lines, line)) {
                if (line.empty() || line[0] != '|') {
                    columns = -1;
                    continue;
                }
                int bars = 0;
                for (size_t i = 0; i < line.size(); ++i) bars += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
                if (columns < 0) columns = bars;
                CHECK(bars == columns);
            }
        }
    }
    SECTION("HTML: no capture string closes or opens an element")
    {
        const std::string html = dir.file("r.html");
        memtrace({"report", "-o", html, capture});
        const std::string page = readFile(html);
        CHECK(page.find("<script>alert(1)") == std::string::npos);
        CHECK(page.find("<script>x</script>") == std::string::npos);
        memtrace({"diff", "--format", "html", "-o", html, base.capture, capture});
        const std::string diff = readFile(html);
        CHECK(diff.find("<script>alert(1)") == std::string::npos);
        CHECK(diff.find("<script>x</script>") == std::string::npos);
    }
    SECTION("text: control characters in names and arguments are shown as escapes")
    {
        for (const auto& args : std::vector<std::vector<std::string>>{
                 {"summary", capture}, {"leaks", capture}, {"diff", base.capture, capture}, {"growth", capture}}) {
            const std::string out = memtrace(args);
            INFO(out);
            CHECK(out.find("evil\n|") == std::string::npos);  // the raw newline would fake a line
            CHECK(out.find("\nline2") == std::string::npos);
            if (args[0] == "leaks") CHECK(out.find("evil\\n| `file`") != std::string::npos);
            if (args[0] == "summary") CHECK(out.find("\\nline2") != std::string::npos);  // the command line
        }
    }
    SECTION("folded stacks: a name cannot forge a frame or a line")
    {
        const std::string folded = memtrace({"flamegraph", "--folded", "--metric", "leaked", capture});
        INFO(folded);
        // Every line is "frame;frame;... VALUE": the symbol's ';' must not split a frame.
        std::istringstream lines(folded);
        std::string line;
        int withSymbol = 0;
        while (std::getline(lines, line)) {
            CHECK(std::regex_match(line, std::regex(R"(.+ \d+)")));
            if (line.find("tick") != std::string::npos) {
                ++withSymbol;
                CHECK(line.find(";semi") == std::string::npos);
            }
        }
        CHECK(withSymbol == 1);
    }
}
