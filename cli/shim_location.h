// Finds libmemtrace_preload.so for `memtrace run`.
#pragma once

#include <string>

namespace memtrace::cli {

// $MEMTRACE_PRELOAD if set; else next to the memtrace binary: ../preload/ (build tree),
// ../lib/memtrace/ (installed) or the binary's own directory. Empty if none exists.
std::string findShim();

}  // namespace memtrace::cli
