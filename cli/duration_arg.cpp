#include "duration_arg.h"

#include <charconv>

namespace memtrace::cli {

std::optional<uint64_t> parseDurationMs(std::string_view text)
{
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end == text.data()) return std::nullopt;
    const std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
    uint64_t scale = 0;
    if (unit == "ms") scale = 1;
    else if (unit.empty() || unit == "s") scale = 1000;
    else if (unit == "m" || unit == "min") scale = 60'000;
    else if (unit == "h") scale = 3'600'000;
    else return std::nullopt;
    if (value > UINT64_MAX / scale) return std::nullopt;
    return value * scale;
}

}  // namespace memtrace::cli
