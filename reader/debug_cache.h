// A cache of separate debug files with their compressed sections inflated, by build-id.
//
// Debian's debug files (libc6-dbg's libc and ld.so, most -dbgsym packages) keep their DWARF
// zlib-compressed, and libdw inflates every compressed section each time it opens one: for
// libc that was ~70 ms and most of the start-up of every analysis command. An inflated copy
// is read with mmap instead, paying only for the pages touched. The symbolizer's
// find_debuginfo callback asks the cache first; a debug file found the standard way that has
// compressed sections is copied into it inflated, and the copy is used from then on.
//
// Where: $MEMTRACE_DEBUG_CACHE if set ("off" or empty: no cache), else
// $XDG_CACHE_HOME/memtrace/debuginfo, else $HOME/.cache/memtrace/debuginfo. One file per
// build-id (<hex>.debug), written to a temporary name and renamed, so concurrent commands see
// a whole file or none. A cached file is used only if it is an ELF file whose sections all
// lie inside it and whose build-id note is the module's; anything else is ignored and
// replaced. Past kCacheLimitBytes the least recently used files are removed. Every failure
// (read-only home, full disk) only means the standard, slower path: never an error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace memtrace::reader::debug_cache {

inline constexpr uint64_t kCacheLimitBytes = 1ull << 30;

// The cache directory for this process's environment; empty when the cache is off.
const std::string& directory();

// An open read-only descriptor of the cached inflated debug file for buildId (raw bytes),
// with its path in `path`; -1 when there is none usable.
int openCached(const std::string& dir, std::string_view buildId, std::string& path);

// Whether `debugFile` is worth caching: it has SHF_COMPRESSED sections and no
// .gnu_debugaltlink (a dwz file found relative to the original's place).
bool worthCaching(int fd);

// Writes an inflated copy of `debugFile` (open as `fd`) for buildId, then opens it as
// openCached does. -1 (and nothing left behind) when anything fails.
int storeInflated(const std::string& dir, std::string_view buildId, int fd, std::string& path);

// Removes the least recently used (oldest mtime) cached files until they total at most
// limitBytes, and temporary copies older than an hour (left by killed commands).
void evict(const std::string& dir, uint64_t limitBytes);

}  // namespace memtrace::reader::debug_cache
