#include "markdown_escape.h"

#include <algorithm>

namespace memtrace::report {

std::string markdownOneLine(std::string_view s)
{
    std::string out(s);
    std::replace(out.begin(), out.end(), '\n', ' ');
    std::replace(out.begin(), out.end(), '\r', ' ');
    return out;
}

// Text in a table cell or paragraph.
std::string markdownText(std::string_view s)
{
    std::string out;
    for (char c : markdownOneLine(s)) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '~':
            out += '\\';
            out += c;
            break;
        default: out += c;
        }
    }
    return out;
}

// Text inside raw HTML (<summary>).
std::string markdownHtmlText(std::string_view s)
{
    std::string out;
    for (char c : markdownOneLine(s)) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

static size_t longestBacktickRun(std::string_view s)
{
    size_t longest = 0, run = 0;
    for (char c : s) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return longest;
}

// An inline code span outside tables: a fence longer than any backtick run (padded with spaces
// when the text starts or ends with a backtick, which CommonMark then strips).
std::string markdownCodeSpan(std::string_view s)
{
    const std::string text = markdownOneLine(s);
    const std::string fence(longestBacktickRun(text) + 1, '`');
    const bool pad = text.empty() || text.front() == '`' || text.back() == '`';
    return pad ? fence + " " + text + " " + fence : fence + text + fence;
}

std::string markdownFencedBlock(const std::string& content)
{
    const std::string fence(std::max<size_t>(3, longestBacktickRun(content) + 1), '`');
    return fence + "\n" + content + fence + "\n";
}

}  // namespace memtrace::report
