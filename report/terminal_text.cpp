#include "terminal_text.h"

namespace memtrace::report {

std::string terminalSafe(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte != 0x7f) {
            out += c;
            continue;
        }
        switch (c) {
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default: {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 15];
        }
        }
    }
    return out;
}

std::string frameLine(const reader::SourceFrame& f)
{
    std::string line = terminalSafe(f.function);
    if (!f.file.empty()) {
        line += "  " + terminalSafe(f.file);
        if (f.line) line += ":" + std::to_string(f.line);
    }
    if (f.inlined) line += "  (inlined)";
    return line;
}

}  // namespace memtrace::report
