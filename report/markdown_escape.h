// Escaping for Markdown output (GitHub-flavoured): strings from a capture (function names,
// paths) must render as themselves, never as table syntax, code spans or HTML. Shared by the
// leak report and the diff.
#pragma once

#include <string>
#include <string_view>

namespace memtrace::report {

// Newlines and carriage returns as spaces.
std::string markdownOneLine(std::string_view s);

// Text in a table cell or paragraph: backslash before Markdown punctuation (\ ` * _ [ ] | ~),
// entities for < > &, on one line.
std::string markdownText(std::string_view s);

// Text inside raw HTML such as <summary>: entities for < > & ".
std::string markdownHtmlText(std::string_view s);

// An inline code span whose fence is longer than any backtick run in s.
std::string markdownCodeSpan(std::string_view s);

// A fenced code block (fence of at least three backticks, longer than any run inside) around
// content, which should end with a newline.
std::string markdownFencedBlock(const std::string& content);

}  // namespace memtrace::report
