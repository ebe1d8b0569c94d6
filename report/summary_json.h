// `memtrace summary --json`: the Summary as one JSON object. Keys are a public interface
// (scripts and tests read them); add keys, never rename. Byte counts are exact integers,
// times are seconds as numbers.
#pragma once

#include <nlohmann/json.hpp>

#include "summary.h"

namespace memtrace::report {

nlohmann::json summaryJson(const Summary& summary);

}  // namespace memtrace::report
