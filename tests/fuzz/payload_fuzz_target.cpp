// libFuzzer target: any bytes as one chunk's decompressed payload, straight into the record
// decoder and the model. The file-level target (capture_fuzz_target.cpp) rarely gets past the
// zstd checksum with a mutated record; this one fuzzes the records themselves: varints, delta
// state, lengths of extension records, stack depths, string lengths, and what the model does
// with nonsense (double frees, unknown threads, munmap of nothing, huge sizes).
#include <cstddef>
#include <cstdint>
#include <span>

#include "memtrace/format.h"
#include "reader/capture_model.h"
#include "reader/record_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > memtrace::format::kMaxChunkPayload) return 0;  // the file reader refuses those
    memtrace::reader::RecordDecoder decoder;
    memtrace::reader::Record record;
    memtrace::reader::CaptureModel model;
    // Four passes, as four chunks: the delta state must reset and the model must carry over.
    // The bytes are read as a version 5 payload (reuse records), as a version 4 one (address,
    // resize and time streams), as a version 3 one (address stream) and as an older one (one stream).
    using memtrace::format::PayloadLayout;
    const PayloadLayout layouts[] = {PayloadLayout::ReuseStacks, PayloadLayout::ResizeStream, PayloadLayout::AddressStream,
                                     PayloadLayout::OneStream};
    for (int chunk = 0; chunk < 4; ++chunk) {
        decoder.reset(std::span<const uint8_t>(data, size), 1000 * chunk, layouts[chunk]);
        while (decoder.next(record) == memtrace::reader::RecordDecoder::Step::Record) model.apply(record);
    }
    model.finish();
    volatile uint64_t sink = model.heap().allocations() + model.leaks().size() + model.durationUs();
    (void)sink;
    return 0;
}
