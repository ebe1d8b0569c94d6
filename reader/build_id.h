// A build-id (raw bytes, as in the capture's module maps and ELF notes) as lowercase hex: the
// form of /usr/lib/debug/.build-id paths, of the debug cache's file names and of pprof's
// Mapping.build_id.
#pragma once

#include <string>
#include <string_view>

namespace memtrace::reader {

inline std::string buildIdHex(std::string_view raw)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(raw.size() * 2);
    for (const unsigned char c : raw) {
        out.push_back(kDigits[c >> 4]);
        out.push_back(kDigits[c & 15]);
    }
    return out;
}

}  // namespace memtrace::reader
