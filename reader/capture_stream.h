// Streams a capture file's records into a sink: CaptureFile (chunks) + RecordDecoder
// (records). Used by the model loader and by `memtrace dump`. One chunk in memory at a time.
#pragma once

#include <cstdint>
#include <string>

#include "capture_file.h"
#include "chunk_pipeline.h"
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

// The same loop for a concrete sink type, so that a final sink's onRecord is inlined into
// the decode loop (the model loader uses it; streamCapture is streamCaptureTo<RecordSink>).
// A sink with hotEvents() gets the hot records (Time, Thread, Alloc, Free) through
// RecordDecoder::decodeHotRun instead of onRecord: it must treat them exactly as onRecord
// would. Chunks are read and decompressed on a second thread (chunk_pipeline.h).
template <class Sink>
StreamResult streamCaptureTo(const std::string& path, Sink& sink)
{
    StreamResult result;
    CaptureFile file;
    if (!file.open(path)) {
        result.outcome = StreamResult::Outcome::Unreadable;
        result.message = file.error();
        return result;
    }
    sink.onHeader(file.header());
    const format::PayloadLayout layout = format::payloadLayout(file.header().version);

    ChunkPipeline pipeline(file);
    RecordDecoder decoder;
    Record record;
    for (;;) {
        const ChunkBuffer* chunk = nullptr;
        const CaptureFile::Next next = pipeline.next(chunk);
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
        decoder.reset(chunk->records(), result.lastTimeUs, layout);
        for (;;) {
            if constexpr (requires { sink.hotEvents(); }) {
                auto events = sink.hotEvents();
                decoder.decodeHotRun(events);
            }
            const RecordDecoder::Step step = decoder.next(record);
            if (step == RecordDecoder::Step::Record) [[likely]] {
                sink.onRecord(record);
                continue;
            }
            if (step == RecordDecoder::Step::End) break;
            result.lastTimeUs = decoder.timeUs();  // of the last record read
            result.outcome = StreamResult::Outcome::Corrupt;
            result.stopOffset = chunk->fileOffset;
            result.message = "chunk " + std::to_string(chunk->header.sequence) + " at byte " +
                             std::to_string(chunk->fileOffset) + ": " + decoder.error();
            return result;
        }
        result.lastTimeUs = decoder.timeUs();
        ++result.chunks;
    }
}

}  // namespace memtrace::reader
