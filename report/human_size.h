// Byte counts for people: "1.50 MiB (1572864 B)"; below 1 KiB just "512 B".
#pragma once

#include <cstdint>
#include <string>

namespace memtrace::report {

std::string humanSize(uint64_t bytes);
// Only the scaled part: "1.50 MiB", "512 B".
std::string scaledSize(uint64_t bytes);
// Microseconds as seconds with 6 decimals: "1.234567".
std::string seconds(uint64_t us);

}  // namespace memtrace::report
