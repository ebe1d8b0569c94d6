// Text reports are read on terminals. A symbol, file name, argument or label from a capture
// can hold any byte (a hostile or broken binary, a program's own argv), and a control
// character in it would move the cursor, recolour the screen or fake a report line. Text
// outputs pass such strings through terminalSafe(), which shows control characters as C
// escapes (\n, \t, \r, \x1b, ...). UTF-8 and other bytes >= 0x80 are kept. JSON, Markdown and
// HTML have their own escaping.
#pragma once

#include <string>
#include <string_view>

#include "reader/symbolizer.h"

namespace memtrace::report {

std::string terminalSafe(std::string_view text);

// One frame of a text report: "function  file:line  (inlined)", terminal-safe.
std::string frameLine(const reader::SourceFrame& frame);

}  // namespace memtrace::report
