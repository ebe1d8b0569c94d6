// `memtrace dump [--stats] FILE`: every record, one line each (see report/record_dump.h), or
// with --stats a table of record counts and bytes per event. Exit status as for summary.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include "command.h"
#include "reader/capture_stream.h"
#include "report/record_dump.h"

namespace memtrace::cli {

namespace {

struct DumpOptions {
    std::string file;
    bool stats = false;
};

int runDump(const DumpOptions& options)
{
    report::RecordDump dump(stdout, options.stats);
    const reader::StreamResult read = reader::streamCapture(options.file, dump);
    if (read.outcome == reader::StreamResult::Outcome::Unreadable) {
        std::fprintf(stderr, "memtrace: %s: %s\n", options.file.c_str(), read.message.c_str());
        return kExitBadInput;
    }
    dump.finish(read);
    std::fflush(stdout);
    if (read.outcome != reader::StreamResult::Outcome::Complete) {
        std::fprintf(stderr, "memtrace: %s: capture %s at byte %llu: %s\n", options.file.c_str(),
                     read.outcome == reader::StreamResult::Outcome::Truncated ? "truncated" : "corrupt",
                     static_cast<unsigned long long>(read.stopOffset), read.message.c_str());
        if (!read.usable()) return kExitBadInput;
    }
    return 0;
}

}  // namespace

CommandAction addDumpCommand(CLI::App& app)
{
    auto options = std::make_shared<DumpOptions>();
    CLI::App* sub = app.add_subcommand("dump", "Print every record of a capture, one per line");
    sub->add_flag("--stats", options->stats, "Print record counts and bytes per event instead");
    sub->add_option("FILE", options->file, "Capture file")->required();
    return [options]() -> int {
        try {
            return runDump(*options);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "memtrace: %s: %s\n", options->file.c_str(), e.what());
            return kExitBadInput;
        }
    };
}

}  // namespace memtrace::cli
