// memcheck as the oracle for leaked bytes: memtrace's leaked bytes for an example (minus
// the runtime's own, from the empty program) must equal valgrind's definitely + indirectly
// lost bytes for the same program. valgrind is part of the set-up (scripts/setup.sh); if it
// is missing these tests fail instead of passing without checking anything.
#include <catch2/catch.hpp>

#include <regex>

#include "harness.h"

using namespace memtrace::integration;

namespace {

std::string findValgrind()
{
    for (const char* candidate : {"/usr/bin/valgrind", "/usr/local/bin/valgrind"}) {
        if (access(candidate, X_OK) == 0) return candidate;
    }
    return {};
}

uint64_t lostBytes(const std::string& report, const std::string& kind)
{
    // "==123==    definitely lost: 41,060 bytes in 11 blocks"
    const std::regex line(kind + R"( lost: ([0-9,]+) bytes in)");
    std::smatch match;
    if (!std::regex_search(report, match, line)) {
        FAIL("valgrind printed no '" << kind << " lost' line:\n" << report);
    }
    std::string digits = match[1];
    std::erase(digits, ',');
    return std::stoull(digits);
}

// Definitely + indirectly lost bytes of `example` according to memcheck.
uint64_t valgrindLeakedBytes(const std::string& example)
{
    const std::string valgrind = findValgrind();
    if (valgrind.empty()) {
        FAIL("valgrind is not installed: it is the leak oracle of these tests. Install it "
             "(apt-get install valgrind, or run scripts/setup.sh) and run the tests again.");
    }
    const ProcessResult result = runCommand({valgrind, "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
                                             "--show-leak-kinds=definite,indirect", examplePath(example)},
                                            300);
    INFO("valgrind " << example << ": " << result.describe());
    REQUIRE_FALSE(result.timedOut);
    // With no leak at all memcheck prints "All heap blocks were freed" and no LEAK SUMMARY.
    if (result.err.find("All heap blocks were freed -- no leaks are possible") != std::string::npos) return 0;
    return lostBytes(result.err, "definitely") + lostBytes(result.err, "indirectly");
}

uint64_t memtraceLeakedBytes(const TempDir& dir, const std::string& example, const std::string& empty)
{
    const TracedRun base = traceExampleOk(dir.file("base.mtrace"), empty);
    const TracedRun run = traceExampleOk(dir.file("x.mtrace"), example);
    const uint64_t leaked = summarize(run.capture).data["leaked_bytes"].get<uint64_t>();
    const uint64_t noise = summarize(base.capture).data["leaked_bytes"].get<uint64_t>();
    REQUIRE(leaked >= noise);
    return leaked - noise;
}

}  // namespace

TEST_CASE("leaked bytes agree with valgrind's definitely + indirectly lost", "[valgrind][leaks]")
{
    struct Case {
        const char* example;
        const char* empty;
        uint64_t expected;  // from the example's header comment
    };
    for (const Case& c : {Case{"leaky_service", "empty", 41260}, Case{"cxx_new_delete", "empty_cxx", 256},
                          Case{"deep_stacks", "empty", 777}}) {
        DYNAMIC_SECTION(c.example)
        {
            TempDir dir;
            const uint64_t byValgrind = valgrindLeakedBytes(c.example);
            const uint64_t byMemtrace = memtraceLeakedBytes(dir, c.example, c.empty);
            CHECK(byValgrind == c.expected);  // the oracle agrees with the example's comment
            CHECK(byMemtrace == byValgrind);
        }
    }
}

// `memtrace run -- valgrind PROGRAM`: valgrind's tool replaces malloc in the program it runs,
// so the shim there has nothing to record; it stays out of the way. Its writer thread, never
// joined, used to be one more "possibly lost" block in memcheck's report: a clean program's
// `valgrind --error-exitcode=9` exited 9 under memtrace (session-21 sweep).
TEST_CASE("valgrind run under memtrace: its report and exit status as without", "[valgrind]")
{
    const std::string valgrind = findValgrind();
    if (valgrind.empty()) FAIL("valgrind is not installed (apt-get install valgrind, or run scripts/setup.sh)");
    const std::vector<std::string> command = {valgrind, "-q", "--leak-check=full", "--show-leak-kinds=all",
                                              "--errors-for-leak-kinds=all", "--error-exitcode=9", examplePath("empty")};
    const ProcessResult alone = runCommand(command, 300);
    REQUIRE(alone.status == 0);
    TempDir dir;
    std::vector<std::string> traced = {memtraceBinary(), "run", "-o", dir.file("x.mtrace"), "--"};
    traced.insert(traced.end(), command.begin(), command.end());
    const ProcessResult run = runCommand(traced, 300);
    INFO(run.describe());
    CHECK(run.status == 0);
    CHECK(run.out == alone.out);
    CHECK(run.err.find("memtrace: not tracking: the program runs under valgrind, whose tool replaces malloc\n") !=
          std::string::npos);
    CHECK(run.err.find("possibly lost") == std::string::npos);
}
