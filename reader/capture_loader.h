// Builds a CaptureModel from a capture file in one streaming pass.
#pragma once

#include <string>

#include "capture_model.h"
#include "capture_stream.h"

namespace memtrace::reader {

// Reads what it can. The model holds everything before the point where reading stopped and
// is finished (finish() called) whenever the result is usable().
StreamResult loadCapture(const std::string& path, CaptureModel& model);

// Whether the capture was cut short: the file ended or broke before its end, or the shim
// never wrote its End record (the process was killed). Reports then call leaks provisional.
inline bool captureIsCut(const CaptureModel& model, const StreamResult& read)
{
    return read.outcome != StreamResult::Outcome::Complete || !model.end().has_value();
}

}  // namespace memtrace::reader
