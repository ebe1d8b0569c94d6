// libFuzzer target: any bytes as a capture file, through the whole reading path the CLI uses
// (CaptureFile: header, chunk sizes, zstd frames; RecordDecoder; CaptureModel: heap, mmaps,
// stacks, threads, leaks). The input is written to a memfd and opened by its /proc path, so the
// real file-reading code runs. Symbolization is left out: it opens the files a capture names.
//
// Built twice: with -fsanitize=fuzzer (clang, scripts/sanitize.sh) for fuzzing, and with
// replay_main.cpp in every build to replay the seeds and the crashers found (fuzz.replay).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "reader/capture_loader.h"

namespace {

int captureFd()
{
    static const int fd = memfd_create("memtrace-fuzz-capture", 0);
    if (fd < 0) std::abort();
    return fd;
}

// Reads every result the model offers, so a wrong invariant inside it is hit, not skipped.
uint64_t touch(const memtrace::reader::CaptureModel& model, const memtrace::reader::StreamResult& result)
{
    uint64_t sum = result.chunks + result.stopOffset + result.message.size();
    sum += model.heap().allocations() + model.heap().frees() + model.heap().peakBytes() + model.heap().heapBytes();
    for (const auto& leak : model.leaks()) sum += leak.bytes + leak.blocks;
    sum += model.threads().size() + model.durationUs() + model.records() + model.rssPeakBytes();
    if (model.end()) sum += 1;
    if (model.process()) sum += model.process()->argv.size() + model.process()->exePath.size();
    return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const int fd = captureFd();
    if (ftruncate(fd, 0) != 0) std::abort();
    size_t done = 0;
    while (done < size) {
        const ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
        if (n <= 0) std::abort();
        done += static_cast<size_t>(n);
    }
    memtrace::reader::CaptureModel model;
    const auto result = memtrace::reader::loadCapture("/proc/self/fd/" + std::to_string(fd), model);
    volatile uint64_t sink = touch(model, result);
    (void)sink;
    return 0;
}
