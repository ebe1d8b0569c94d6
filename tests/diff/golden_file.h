// Compares output with a golden file in tests/diff/golden/; MEMTRACE_UPDATE_GOLDEN=1 rewrites
// the file instead (review the change with git diff).
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace memtrace::difftest {

inline std::string readText(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void checkGolden(const std::string& name, const std::string& actual)
{
    const std::string path = std::string(DIFF_GOLDEN_DIR) + "/" + name;
    if (std::getenv("MEMTRACE_UPDATE_GOLDEN")) {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << actual;
        WARN("rewrote " << path);
        return;
    }
    const std::string expected = readText(path);
    INFO("golden file " << path << " (MEMTRACE_UPDATE_GOLDEN=1 rewrites it)");
    CHECK(actual == expected);
}

}  // namespace memtrace::difftest
