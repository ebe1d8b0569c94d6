// After the traced process is gone, `memtrace run` appends what only it knows (how the
// process ended) as one extra chunk at the end of the capture.
#pragma once

#include <string>

namespace memtrace::cli {

enum class AppendOutcome { Appended, NoCapture, CaptureCut, Failed };

// Appends an ExitStatus record for the raw waitpid status. The capture is left untouched if
// its chunk chain does not end exactly at the end of the file (the process died in the
// middle of a write): appending after a torn chunk would hide nothing but gain nothing.
AppendOutcome appendExitStatus(const std::string& capturePath, int waitStatus);

}  // namespace memtrace::cli
