// Each `memtrace` subcommand lives in its own file and registers itself on the CLI11 app.
// The register function adds the subcommand and its options; the returned action runs it
// after parsing and returns the process exit status.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace memtrace::cli {

using CommandAction = std::function<int()>;

// Exit status for bad input (bad flags, unreadable or corrupt capture), as the issues specify.
inline constexpr int kExitBadInput = 2;

CommandAction addRunCommand(CLI::App& app);
// The program and arguments given after "--" to `memtrace run` (main splits them off).
void setProgramArguments(std::vector<std::string> argv);
CommandAction addSummaryCommand(CLI::App& app);
CommandAction addLeaksCommand(CLI::App& app);
CommandAction addDumpCommand(CLI::App& app);
CommandAction addReportCommand(CLI::App& app);
CommandAction addFlamegraphCommand(CLI::App& app);
CommandAction addDiffCommand(CLI::App& app);
CommandAction addCtlCommand(CLI::App& app);
CommandAction addGrowthCommand(CLI::App& app);
CommandAction addExportCommand(CLI::App& app);

}  // namespace memtrace::cli
