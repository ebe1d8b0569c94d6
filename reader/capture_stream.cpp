#include "capture_stream.h"

#include <sched.h>
#include <unistd.h>

namespace memtrace::reader {

bool moreThanOneCpu()
{
    cpu_set_t cpus;
    if (sched_getaffinity(0, sizeof cpus, &cpus) != 0) return true;  // assume the common case
    return CPU_COUNT(&cpus) > 1;
}

size_t coreCacheBytes()
{
    const long bytes = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return bytes > 0 ? static_cast<size_t>(bytes) : size_t{1} << 20;
}

StreamResult streamCapture(const std::string& path, RecordSink& sink) { return streamCaptureTo(path, sink); }

}  // namespace memtrace::reader
