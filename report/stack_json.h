// A symbolized stack as JSON, the same in every report: [{function, file, line, module,
// inlined?}], file and line null when unknown. nlohmann::json escapes every string.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "reader/symbolizer.h"

namespace memtrace::report {

nlohmann::json framesJson(const std::vector<reader::SourceFrame>& frames);

}  // namespace memtrace::report
