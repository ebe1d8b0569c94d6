#include "markdown_escape.h"

#include <algorithm>

namespace memtrace::report {

std::string markdownCell(const std::string& text)
{
    std::string out;
    out.reserve(text.size() + 8);
    for (const char c : text) {
        switch (c) {
        case '|': case '\\': case '`': case '*': case '_': case '[': case ']':
            out += '\\';
            out += c;
            break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '\n': case '\r': out += ' '; break;
        default: out += c;
        }
    }
    return out;
}

std::string markdownCode(const std::string& text)
{
    std::string out = text;
    std::replace(out.begin(), out.end(), '`', '\'');
    std::replace(out.begin(), out.end(), '\n', ' ');
    return out;
}

std::string codeFence(const std::string& body)
{
    size_t longest = 0, run = 0;
    for (const char c : body) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return std::string(std::max<size_t>(3, longest + 1), '`');
}

}  // namespace memtrace::report
