#include "harness.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <unistd.h>

#include "integration_paths.h"

namespace memtrace::integration {

std::string memtraceBinary()
{
    return kMemtraceBinary;
}

std::string examplePath(const std::string& name)
{
    for (const auto& [example, path] : kExamplePaths) {
        if (name == example) return path;
    }
    FAIL("example '" << name << "' was not built (see examples/CMakeLists.txt)");
    return {};
}

TempDir::TempDir()
{
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/memtrace-it.XXXXXX";
    if (!mkdtemp(pattern.data())) FAIL("mkdtemp failed for " << pattern);
    path_ = fs::canonical(pattern);
}

TempDir::~TempDir()
{
    if (std::getenv("MEMTRACE_KEEP_TEST_DIRS")) return;
    std::error_code ignored;
    fs::remove_all(path_, ignored);
}

OneCpu::OneCpu()
{
    REQUIRE(sched_getaffinity(0, sizeof m_saved, &m_saved) == 0);
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (!CPU_ISSET(cpu, &m_saved)) continue;
        CPU_SET(cpu, &one);
        break;
    }
    REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0);
}

OneCpu::~OneCpu() { sched_setaffinity(0, sizeof m_saved, &m_saved); }

TracedRun traceExample(const std::string& capture, const std::string& example,
                       const std::vector<std::string>& args, const std::vector<std::string>& runOptions,
                       const ProcessOptions& base)
{
    ProcessOptions options = base;
    // The exact numbers assume nothing else is preloaded and no shim settings are inherited
    // from whoever runs the tests; a test that wants LD_PRELOAD sets it (it comes later and
    // wins).
    std::vector<std::pair<std::string, std::optional<std::string>>> clean = {
        {"LD_PRELOAD", std::nullopt},           {"MEMTRACE_OUTPUT", std::nullopt},
        {"MEMTRACE_OUTPUT_DIR", std::nullopt},  {"MEMTRACE_ROOT_PID", std::nullopt},
        {"MEMTRACE_FOLLOW_FORK", std::nullopt}, {"MEMTRACE_MAX_DEPTH", std::nullopt},
        {"MEMTRACE_UNWIND", std::nullopt},      {"MEMTRACE_EXEC_GENERATION", std::nullopt},
    };
    options.environment.insert(options.environment.begin(), clean.begin(), clean.end());
    options.argv = {memtraceBinary(), "run"};
    options.argv.insert(options.argv.end(), runOptions.begin(), runOptions.end());
    if (!capture.empty()) {
        options.argv.push_back("-o");
        options.argv.push_back(capture);
    }
    // No "--" before the program: the program path is absolute, so it cannot be taken for
    // an option, and `-- PROGRAM` has its own test (process_test.cpp).
    options.argv.push_back(examplePath(example));
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    return {runProcess(options), capture};
}

TracedRun traceExampleOk(const std::string& capture, const std::string& example,
                         const std::vector<std::string>& args, const std::vector<std::string>& runOptions,
                         int expectedStatus)
{
    TracedRun run = traceExample(capture, example, args, runOptions);
    INFO("memtrace run -- " << example << ": " << run.process.describe());
    REQUIRE_FALSE(run.process.timedOut);
    REQUIRE(run.process.status == expectedStatus);
    REQUIRE(announcedCapture(run.process.err) == capture);
    REQUIRE(fs::exists(capture));
    return run;
}

Summary summarize(const std::string& capture)
{
    Summary summary;
    summary.process = runCommand({memtraceBinary(), "summary", "--json", capture});
    INFO("memtrace summary --json " << capture << ": " << summary.process.describe());
    REQUIRE(summary.process.status == 0);
    try {
        summary.data = json::parse(summary.process.out);
    } catch (const json::exception& e) {
        FAIL("summary --json printed no valid JSON: " << e.what());
    }
    REQUIRE(summary.data.is_object());
    return summary;
}

Summary baseline(const TempDir& dir, const std::string& emptyExample)
{
    const std::string capture = dir.file("baseline." + emptyExample + ".mtrace");
    traceExampleOk(capture, emptyExample);
    return summarize(capture);
}

KindStat kindStat(const json& summary, const std::string& kind)
{
    REQUIRE(summary.contains("by_kind"));
    const json& byKind = summary["by_kind"];
    if (!byKind.contains(kind)) return {};
    const json& entry = byKind[kind];
    INFO("by_kind[\"" << kind << "\"] = " << entry.dump());
    REQUIRE(entry.contains("count"));
    KindStat stat;
    stat.count = entry["count"].get<uint64_t>();
    if (entry.contains("bytes") && !entry["bytes"].is_null()) stat.bytes = entry["bytes"].get<uint64_t>();
    return stat;
}

uint64_t number(const json& summary, const std::string& field)
{
    INFO("summary field " << field);
    REQUIRE(summary.contains(field));
    REQUIRE(summary[field].is_number_integer());
    return summary[field].get<uint64_t>();
}

std::string describeStack(const json& stack)
{
    std::string text;
    for (const json& frame : stack) {
        if (!text.empty()) text += " <- ";
        if (frame.contains("function") && frame["function"].is_string()) {
            text += frame["function"].get<std::string>();
        } else {
            text += "?";
        }
    }
    return text;
}

bool stackHasFunction(const json& stack, const std::string& function)
{
    for (const json& frame : stack) {
        if (frame.contains("function") && frame["function"].is_string() &&
            frame["function"].get<std::string>().find(function) != std::string::npos)
            return true;
    }
    return false;
}

std::vector<json> leaksFrom(const json& summary, const std::string& function)
{
    std::vector<json> found;
    REQUIRE(summary.contains("top_leaks"));
    for (const json& leak : summary["top_leaks"]) {
        if (leak.contains("stack") && stackHasFunction(leak["stack"], function)) found.push_back(leak);
    }
    return found;
}

std::string announcedCapture(const std::string& stderrText)
{
    static const std::regex line(R"(^memtrace: capture written to (/\S+))");
    std::istringstream lines(stderrText);
    std::string text;
    while (std::getline(lines, text)) {
        std::smatch match;
        if (std::regex_search(text, match, line)) return match[1];
    }
    return {};
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

int lineCount(const std::string& text)
{
    int lines = 0;
    for (char c : text) lines += c == '\n';
    return lines;
}

void writeFile(const std::string& path, const std::string& content)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
}

}  // namespace memtrace::integration

namespace memtrace::integration {

bool exitStatusIs(const json& summary, bool signaled, int code)
{
    if (!summary.contains("exit_status") || !summary["exit_status"].is_object()) return false;
    const json& status = summary["exit_status"];
    if (!status.contains("kind") || !status.contains("code")) return false;
    bool kindSignaled = false;
    if (status["kind"].is_number_integer()) {
        kindSignaled = status["kind"].get<int>() == 1;
    } else if (status["kind"].is_string()) {
        const std::string kind = status["kind"].get<std::string>();
        kindSignaled = kind.find("signal") != std::string::npos || kind.find("kill") != std::string::npos;
    } else {
        return false;
    }
    return kindSignaled == signaled && status["code"].is_number_integer() && status["code"].get<int>() == code;
}

}  // namespace memtrace::integration
