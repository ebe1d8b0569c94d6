#include "capture_stream.h"

namespace memtrace::reader {

StreamResult streamCapture(const std::string& path, RecordSink& sink) { return streamCaptureTo(path, sink); }

}  // namespace memtrace::reader
