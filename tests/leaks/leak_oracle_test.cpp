// valgrind memcheck as the oracle: for every leak example, memtrace's leaked bytes (built-in
// suppressions on) equal memcheck's definitely + indirectly lost bytes. None of the examples
// keeps a pointer to a leaked block, so "still reachable" has nothing of theirs.
// valgrind is installed by scripts/setup.sh; if it is missing the test fails, loudly.
#include <regex>

#include "leak_fixture.h"

using namespace memtrace::leaktest;

namespace {

uint64_t lost(const std::string& report, const std::string& kind)
{
    const std::regex line(kind + R"( lost: ([0-9,]+) bytes in)");
    std::smatch match;
    if (!std::regex_search(report, match, line)) return 0;  // absent when nothing of that kind
    std::string digits = match[1];
    std::erase(digits, ',');
    return std::stoull(digits);
}

uint64_t memcheckLeakedBytes(const std::string& example)
{
    if (access("/usr/bin/valgrind", X_OK) != 0)
        FAIL("valgrind is not installed: it is the leak oracle. Run scripts/setup.sh (apt-get install valgrind).");
    std::vector<std::string> argv{"/usr/bin/valgrind", "--leak-check=full", examplePath(example)};
    for (const auto& arg : exampleArgs(example)) argv.push_back(arg);
    const ProcessResult result = runCommand(argv, 300);
    INFO(result.describe());
    REQUIRE(result.status == 0);
    REQUIRE(result.err.find("HEAP SUMMARY") != std::string::npos);
    return lost(result.err, "definitely") + lost(result.err, "indirectly");
}

}  // namespace

TEST_CASE("leaked bytes equal memcheck's definitely + indirectly lost, example by example")
{
    for (const char* example :
         {"leak_direct", "leak_linked_list", "leak_realloc", "leak_threads", "leak_dlopen", "leak_cxx", "no_leak_heavy"}) {
        DYNAMIC_SECTION(example)
        {
            Workdir dir;
            const json report = leaksJson(record(dir, example));
            CHECK(report["leaked_bytes"].get<uint64_t>() == memcheckLeakedBytes(example));
        }
    }
}
