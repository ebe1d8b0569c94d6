// `memtrace`: one binary, one subcommand per file (see command.h).
#include <CLI/CLI.hpp>

#include <cstdio>
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
    for (auto* add : {&addRunCommand, &addSummaryCommand, &addDumpCommand}) {
        CommandAction action = add(app);
        commands.emplace_back(app.get_subcommands({}).back(), std::move(action));
    }

    try {
        app.parse(argc, argv);
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
