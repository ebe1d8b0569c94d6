#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "reader/debug_cache.h"

using namespace memtrace;
namespace fs = std::filesystem;

namespace {

struct TemporaryDirectory {
    fs::path path;
    TemporaryDirectory()
    {
        std::string pattern = (fs::temp_directory_path() / "memtrace-debug-cache-XXXXXX").string();
        path = mkdtemp(pattern.data());
    }
    ~TemporaryDirectory() { fs::remove_all(path); }
};

// A file of `size` bytes last written `age` ago.
void makeFile(const fs::path& path, size_t size, std::chrono::seconds age)
{
    std::ofstream(path) << std::string(size, 'x');
    fs::last_write_time(path, fs::file_time_type::clock::now() - age);
}

}  // namespace

TEST_CASE("the debug cache evicts the least recently used files down to its limit")
{
    TemporaryDirectory dir;
    using std::chrono::hours;
    makeFile(dir.path / "aa.debug", 100, hours(72));
    makeFile(dir.path / "bb.debug", 200, hours(48));
    makeFile(dir.path / "cc.debug", 300, hours(24));
    makeFile(dir.path / "dd.debug", 50, hours(0));

    reader::debug_cache::evict(dir.path.string(), 1000);  // 650 bytes: under the limit
    CHECK(fs::exists(dir.path / "aa.debug"));

    reader::debug_cache::evict(dir.path.string(), 400);  // drop aa (550 left), then bb (350)
    CHECK_FALSE(fs::exists(dir.path / "aa.debug"));
    CHECK_FALSE(fs::exists(dir.path / "bb.debug"));
    CHECK(fs::exists(dir.path / "cc.debug"));
    CHECK(fs::exists(dir.path / "dd.debug"));
}

TEST_CASE("the debug cache removes temporary copies of killed commands, not of running ones")
{
    TemporaryDirectory dir;
    makeFile(dir.path / ".aa.debug.k1ll3d", 10, std::chrono::hours(2));
    makeFile(dir.path / ".bb.debug.wr1t1n", 10, std::chrono::seconds(5));
    reader::debug_cache::evict(dir.path.string(), 1 << 20);
    CHECK_FALSE(fs::exists(dir.path / ".aa.debug.k1ll3d"));
    CHECK(fs::exists(dir.path / ".bb.debug.wr1t1n"));
}

TEST_CASE("the debug cache finds nothing in a missing directory or for a module without build-id")
{
    std::string path;
    CHECK(reader::debug_cache::openCached("/nonexistent/memtrace-cache", "\x12\x34", path) == -1);
    CHECK(reader::debug_cache::openCached("", "\x12\x34", path) == -1);
    TemporaryDirectory dir;
    CHECK(reader::debug_cache::openCached(dir.path.string(), "", path) == -1);
}
