// `memtrace summary` on damaged and foreign files: a cut capture is read up to its last
// complete chunk (exit 0, one line on stderr), anything else is one error line and exit 2.
#include <catch2/catch.hpp>

#include <regex>

#include "harness.h"

using namespace memtrace::integration;

namespace {

int lineCount(const std::string& text)
{
    int lines = 0;
    for (char c : text) lines += c == '\n';
    return lines;
}

}  // namespace

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
