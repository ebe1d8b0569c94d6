// `memtrace export --format speedscope`: speedscope's own file format
// (https://www.speedscope.app/file-format-schema.json), one "sampled" profile whose samples
// are the capture's symbolic stacks (outermost frame first, as the format wants) weighted by
// the chosen metric. The weights add up to the metric's `summary --json` total, like the
// folded output's values (both come from the same StackCatalog).
#pragma once

#include <string>

#include "report/html/metrics.h"
#include "report/html/stack_catalog.h"

namespace memtrace::report::exporter {

std::string speedscopeJson(const html::StackCatalog& catalog, html::Metric metric, const std::string& name,
                           const std::string& exporter);

}  // namespace memtrace::report::exporter
