// Builds a CaptureModel from a capture file in one streaming pass.
#pragma once

#include <string>

#include "capture_model.h"
#include "capture_stream.h"

namespace memtrace::reader {

// Reads what it can. The model holds everything before the point where reading stopped and
// is finished (finish() called) whenever the result is usable().
StreamResult loadCapture(const std::string& path, CaptureModel& model);

}  // namespace memtrace::reader
