// Whether the loader will run a program in secure-execution mode (AT_SECURE): then it ignores
// LD_PRELOAD (and every other LD_ variable that could load code), so the shim never loads.
// `memtrace run` says so before starting the program instead of ending with no capture and
// no reason.
#pragma once

#include <string>

namespace memtrace::cli {

// "" if `program` (resolved through PATH as execvp does) would run normally; otherwise why
// it runs in secure mode, e.g. "it is set-user-id (owner uid 65534)". Decided as the kernel
// does: a set-id bit counts when it changes our real id, on a file system mounted without
// nosuid, unless no_new_privs is set; file capabilities count for a non-root user.
std::string secureExecReason(const std::string& program);

}  // namespace memtrace::cli
