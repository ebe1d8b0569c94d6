#include "folded_stacks.h"

#include <map>

namespace memtrace::report::html {

namespace {

// ';' separates frames and a newline ends the line: neither may appear inside a name.
void appendName(std::string& out, const std::string& name)
{
    for (char c : name) out.push_back(c == ';' ? ',' : (c == '\n' || c == '\r') ? ' ' : c);
}

}  // namespace

std::string foldedStacks(const StackCatalog& catalog, Metric metric)
{
    const size_t m = static_cast<size_t>(metric);
    std::map<std::string, uint64_t> lines;
    std::string key;
    for (const StackCatalog::Entry& entry : catalog.entries()) {
        if (entry.values[m] == 0) continue;
        key.clear();
        for (size_t i = 0; i < entry.path.size(); ++i) {
            if (i) key.push_back(';');
            appendName(key, catalog.frames()[entry.path[i]].function);
        }
        lines[key] += entry.values[m];
    }
    std::string out;
    for (const auto& [stack, value] : lines) {
        out += stack;
        out.push_back(' ');
        out += std::to_string(value);
        out.push_back('\n');
    }
    return out;
}

}  // namespace memtrace::report::html
