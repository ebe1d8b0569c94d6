// Shared by the leak tests: run a leak example under memtrace, read `memtrace leaks --format
// json`, and find the source line an example marks with /* NAME */.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "leak_paths.h"
#include "process_runner.h"

namespace memtrace::leaktest {

using nlohmann::json;
using integration::ProcessResult;
using integration::runCommand;

inline std::string examplePath(const std::string& name)
{
    for (const auto& [n, path] : kLeakExamples)
        if (name == n) return path;
    FAIL("leak example not built: " << name);
    return {};
}

inline std::vector<std::string> exampleArgs(const std::string& name)
{
    if (name == "leak_dlopen") return {kLeakPlugin};
    return {};
}

class Workdir {
public:
    Workdir()
    {
        char pattern[] = "/tmp/memtrace-leaks-XXXXXX";
        m_path = mkdtemp(pattern);
    }
    ~Workdir() { std::filesystem::remove_all(m_path); }
    std::string file(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
};

// Records `example` into dir/<example>.mtrace; the program's own status must be 0.
inline std::string record(const Workdir& dir, const std::string& example)
{
    const std::string capture = dir.file(example + ".mtrace");
    std::vector<std::string> argv{kMemtrace, "run", "-o", capture, "--", examplePath(example)};
    for (const auto& arg : exampleArgs(example)) argv.push_back(arg);
    const ProcessResult run = runCommand(argv);
    INFO(run.describe());
    REQUIRE(run.status == 0);
    return capture;
}

inline json leaksJson(const std::string& capture, std::vector<std::string> extra = {})
{
    std::vector<std::string> argv{kMemtrace, "leaks", "--format", "json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(capture);
    const ProcessResult result = runCommand(argv);
    INFO(result.describe());
    REQUIRE(result.status == 0);
    return json::parse(result.out);
}

// The 1-based line of the example source that holds `marker` (e.g. "LEAK_SITE").
inline unsigned markedLine(const std::string& sourceFile, const std::string& marker)
{
    std::ifstream in(std::string(kLeakSources) + "/" + sourceFile);
    REQUIRE(in);
    std::string line;
    for (unsigned number = 1; std::getline(in, line); ++number)
        if (line.find("/* " + marker + " */") != std::string::npos) return number;
    FAIL("no marker " << marker << " in " << sourceFile);
    return 0;
}

// The group whose innermost frame is in `function`.
inline json groupFrom(const json& report, const std::string& function)
{
    for (const json& group : report["groups"])
        if (!group["stack"].empty() && group["stack"][0]["function"] == function) return group;
    FAIL("no leak group allocated in " << function << ": " << report.dump(2));
    return {};
}

}  // namespace memtrace::leaktest
