// `memtrace`: one binary, one subcommand per file (see command.h).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "command.h"

int main(int argc, char** argv)
{
    using namespace memtrace::cli;
    CLI::App app{"memtrace: native memory-allocation tracker"};
    app.require_subcommand(1);
    app.set_version_flag("--version", MEMTRACE_VERSION);

    std::vector<std::pair<CLI::App*, CommandAction>> commands;
    for (auto* add : {&addRunCommand, &addSummaryCommand, &addLeaksCommand, &addDumpCommand, &addReportCommand, &addFlamegraphCommand, &addDiffCommand, &addCtlCommand, &addGrowthCommand, &addExportCommand}) {
        CommandAction action = add(app);
        commands.emplace_back(app.get_subcommands({}).back(), std::move(action));
    }

    // `memtrace run [options] -- PROGRAM ARGS`: everything after the first "--" belongs to the
    // program and never reaches the option parser (CLI11 would treat it as positionals).
    std::vector<std::string> arguments(argv + 1, argv + argc);
    if (!arguments.empty() && arguments.front() == "run") {
        for (size_t i = 1; i < arguments.size(); ++i) {
            if (arguments[i] == "--") {
                setProgramArguments({arguments.begin() + static_cast<long>(i) + 1, arguments.end()});
                arguments.resize(i);
                break;
            }
        }
    }
    std::reverse(arguments.begin(), arguments.end());  // CLI11 takes a reversed vector

    try {
        app.parse(arguments);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : kExitBadInput;
    }
    for (auto& [sub, action] : commands) {
        if (sub->parsed()) return action();
    }
    std::fprintf(stderr, "memtrace: no command given (try --help)\n");
    return kExitBadInput;
}
