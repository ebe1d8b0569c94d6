// Streams a capture file's records into a sink: CaptureFile (chunks) + RecordDecoder
// (records). Used by the model loader and by `memtrace dump`. One chunk in memory at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "capture_file.h"
#include "chunk_pipeline.h"
#include "decoded_chunk.h"
#include "record.h"
#include "record_decoder.h"

namespace memtrace::reader {

class RecordSink {
public:
    virtual ~RecordSink() = default;
    virtual void onHeader(const format::FileHeader&) {}
    virtual void onChunk(const ChunkBuffer&) {}
    virtual void onRecord(const Record& record) = 0;
};

struct StreamResult {
    enum class Outcome {
        Complete,    // every chunk read up to the end of the file
        Truncated,   // the file ends inside a chunk: everything before it was read
        Corrupt,     // a damaged chunk or record: everything before it was read
        Unreadable,  // not a capture at all (or unreadable): nothing was read
    };
    Outcome outcome = Outcome::Unreadable;
    uint64_t stopOffset = 0;  // byte offset where reading stopped (Truncated, Corrupt)
    uint32_t chunks = 0;      // chunks decoded completely
    uint64_t lastTimeUs = 0;  // time of the last record read
    std::string message;      // why reading stopped (empty when Complete)

    // Per the CLI contract: nothing usable means a one-line error and exit status 2.
    bool usable() const { return outcome == Outcome::Complete || outcome == Outcome::Truncated || (outcome == Outcome::Corrupt && chunks > 0); }
};

StreamResult streamCapture(const std::string& path, RecordSink& sink);

// Whether this process may run on more than one CPU (its affinity mask), read once per capture.
bool moreThanOneCpu();
// A core's L2 cache in bytes (sysconf), 1 MiB where the C library cannot tell.
size_t coreCacheBytes();

// The same loop for a concrete sink type, so that a final sink's onRecord is inlined into
// the decode loop (streamCapture is streamCaptureTo<RecordSink>). Chunks are read and
// decompressed on a second thread (chunk_pipeline.h). A sink with hotEvents() (the model
// loader) gets the hot records (Time, Thread, Alloc, Free) through decodeHotRun's Events
// instead of onRecord, and must treat them exactly as onRecord would; for it the second
// thread also decodes each chunk, which this thread replays (decoded_chunk.h): the same
// calls in the same order, with decoding and the model's work on two cores. On one CPU
// (taskset, a container's cpuset) the main thread decodes straight into the model instead:
// the items cost writing and reading again, ~0.1 CPU-s of ~0.85 on alloc_bench's 20 M-event
// capture, and buy nothing without a second core. Once the live table or the stacks' totals
// outgrow the cache, though, each lookup waits for memory unless prefetched, and replay
// prefetches: then the main thread decodes each chunk into items and replays them itself
// (bench/big_heap, 1 M live blocks: 1.9x slower read straight into the model; 100000 stacks:
// 12% slower). The cache is a core's L2 (1 MiB on the AMD EPYC of docs/PERFORMANCE.md,
// session 14).
template <class Sink>
StreamResult streamCaptureTo(const std::string& path, Sink& sink)
{
    constexpr bool kHotEvents = requires { sink.hotEvents(); };
    StreamResult result;
    CaptureFile file;
    if (!file.open(path)) {
        result.outcome = StreamResult::Outcome::Unreadable;
        result.message = file.error();
        return result;
    }
    sink.onHeader(file.header());
    const format::PayloadLayout layout = format::payloadLayout(file.header().version);

    const bool decodeAhead = kHotEvents && moreThanOneCpu();
    ChunkPipeline pipeline(file, decodeAhead ? std::optional(layout) : std::nullopt);
    // Decoding here only when the pipeline does not (a decoder's rings are ~1 MB).
    std::unique_ptr<RecordDecoder> decoder = decodeAhead ? nullptr : std::make_unique<RecordDecoder>();
    std::unique_ptr<DecodedChunk> decodedHere;  // on one CPU, once the live table outgrows the cache
    const size_t cacheBytes = decodeAhead ? 0 : coreCacheBytes();
    Record record;
    for (;;) {
        const ChunkBuffer* chunk = nullptr;
        const DecodedChunk* decoded = nullptr;
        const CaptureFile::Next next = pipeline.next(chunk, &decoded);
        if (next != CaptureFile::Next::Chunk) {
            result.stopOffset = file.stopOffset();
            switch (next) {
            case CaptureFile::Next::EndOfFile: result.outcome = StreamResult::Outcome::Complete; break;
            case CaptureFile::Next::Truncated:
                result.outcome = StreamResult::Outcome::Truncated;
                result.message = file.error();
                break;
            default:
                result.outcome = StreamResult::Outcome::Corrupt;
                result.message = file.error();
                break;
            }
            return result;
        }
        sink.onChunk(*chunk);
        const char* error = nullptr;  // the chunk's malformed record, if any
        bool replayed = false;
        if constexpr (kHotEvents) {
            const auto events = sink.hotEvents();
            if (!decodeAhead && (events.liveTableBytes() > cacheBytes || events.stackStatsBytes() > cacheBytes)) {
                if (!decodedHere) decodedHere = std::make_unique<DecodedChunk>();
                decodedHere->decode(*decoder, chunk->records(), result.lastTimeUs, layout);
                decoded = decodedHere.get();
            }
            if (decoded) {
                decoded->replay(sink);
                replayed = true;
            }
        }
        if (replayed) {
            result.lastTimeUs = decoded->endTimeUs();  // of the last record read
            if (decoded->outcome() == DecodedChunk::Outcome::Error) error = decoded->error().c_str();
        } else {
            decoder->reset(chunk->records(), result.lastTimeUs, layout);
            RecordDecoder::Step step;
            for (;;) {
                if constexpr (kHotEvents) {
                    auto events = sink.hotEvents();  // anew after each record: onRecord may move what it holds
                    decoder->decodeHotRun(events);
                }
                step = decoder->next(record);
                if (step != RecordDecoder::Step::Record) [[unlikely]] break;
                sink.onRecord(record);
            }
            result.lastTimeUs = decoder->timeUs();
            if (step == RecordDecoder::Step::Error) error = decoder->error().c_str();
        }
        if (error) {
            result.outcome = StreamResult::Outcome::Corrupt;
            result.stopOffset = chunk->fileOffset;
            result.message = "chunk " + std::to_string(chunk->header.sequence) + " at byte " +
                             std::to_string(chunk->fileOffset) + ": " + error;
            return result;
        }
        ++result.chunks;
    }
}

}  // namespace memtrace::reader
