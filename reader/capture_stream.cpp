#include "capture_stream.h"

#include <sched.h>

namespace memtrace::reader {

bool moreThanOneCpu()
{
    cpu_set_t cpus;
    if (sched_getaffinity(0, sizeof cpus, &cpus) != 0) return true;  // assume the common case
    return CPU_COUNT(&cpus) > 1;
}

StreamResult streamCapture(const std::string& path, RecordSink& sink) { return streamCaptureTo(path, sink); }

}  // namespace memtrace::reader
