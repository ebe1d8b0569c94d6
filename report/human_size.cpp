#include "human_size.h"

#include <cstdio>

namespace memtrace::report {

std::string scaledSize(uint64_t bytes)
{
    static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) return std::to_string(bytes) + " B";
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 6) {
        value /= 1024.0;
        ++unit;
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f %s", value, units[unit]);
    return buffer;
}

std::string humanSize(uint64_t bytes)
{
    if (bytes < 1024) return scaledSize(bytes);
    return scaledSize(bytes) + " (" + std::to_string(bytes) + " B)";
}

std::string seconds(uint64_t us)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%llu.%06llu", static_cast<unsigned long long>(us / 1000000),
                  static_cast<unsigned long long>(us % 1000000));
    return buffer;
}

}  // namespace memtrace::report
