// `memtrace leaks [options] FILE`: what was never freed, grouped by stack.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "command.h"
#include "leak_check.h"

namespace memtrace::cli {

CommandAction addLeaksCommand(CLI::App& app)
{
    struct Options {
        LeakCheckOptions check;
        std::string file;
        bool printSuppressions = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* sub = app.add_subcommand("leaks", "Report blocks never freed, grouped by stack");
    addLeakCheckOptions(*sub, options->check, true);
    sub->add_flag("--print-suppressions", options->printSuppressions, "List the active suppressions and exit");
    sub->add_option("FILE", options->file, "Capture file");
    return [options]() -> int {
        if (options->printSuppressions) return printSuppressions(options->check);
        if (options->file.empty()) {
            std::fprintf(stderr, "memtrace leaks: a capture FILE is required\n");
            return kExitBadInput;
        }
        return runLeakCheck(options->file, options->check, stdout, 0);
    };
}

}  // namespace memtrace::cli
