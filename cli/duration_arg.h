// Durations on the command line: "500ms", "10s", "5m", "2h" (a bare number is seconds).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace memtrace::cli {

// Milliseconds, or nullopt for anything else (negative, unknown unit, overflow).
std::optional<uint64_t> parseDurationMs(std::string_view text);

}  // namespace memtrace::cli
