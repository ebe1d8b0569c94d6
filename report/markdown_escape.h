// Escaping for Markdown output (GitHub-flavoured): strings from a capture (function names,
// paths) must render as themselves, never as table syntax, code spans or HTML.
#pragma once

#include <string>

namespace memtrace::report {

// Text for a table cell: '|', '\', '`', '*', '_', '[', ']', '<', '>', '&' escaped; newlines as spaces.
std::string markdownCell(const std::string& text);

// Text inside an inline `code span`: backticks and newlines replaced (a span cannot hold them
// reliably).
std::string markdownCode(const std::string& text);

// A backtick fence longer than any run of backticks in body (at least ```).
std::string codeFence(const std::string& body);

}  // namespace memtrace::report
