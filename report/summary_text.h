// `memtrace summary`: the Summary as text for a terminal.
#pragma once

#include <string>

#include "summary.h"

namespace memtrace::report {

std::string summaryText(const Summary& summary);

}  // namespace memtrace::report
