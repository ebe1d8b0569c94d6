// `memtrace flamegraph --folded`: one line per distinct symbolic stack, frames outermost first
// joined by ';', then a space and the metric's value (Brendan Gregg's folded format, read by
// flamegraph.pl, inferno, speedscope). Lines are sorted; stacks whose value is 0 are left out,
// so the values add up to the metric's `summary --json` total.
#pragma once

#include <string>

#include "metrics.h"
#include "stack_catalog.h"

namespace memtrace::report::html {

std::string foldedStacks(const StackCatalog& catalog, Metric metric);

}  // namespace memtrace::report::html
