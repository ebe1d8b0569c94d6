#include "capture_stream.h"

#include "record_decoder.h"

namespace memtrace::reader {

StreamResult streamCapture(const std::string& path, RecordSink& sink)
{
    StreamResult result;
    CaptureFile file;
    if (!file.open(path)) {
        result.outcome = StreamResult::Outcome::Unreadable;
        result.message = file.error();
        return result;
    }
    sink.onHeader(file.header());

    ChunkBuffer chunk;
    RecordDecoder decoder;
    Record record;
    for (;;) {
        const CaptureFile::Next next = file.nextChunk(chunk);
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
        sink.onChunk(chunk);
        decoder.reset(chunk.records(), result.lastTimeUs);
        for (;;) {
            const RecordDecoder::Step step = decoder.next(record);
            if (step == RecordDecoder::Step::End) break;
            if (step == RecordDecoder::Step::Error) {
                result.outcome = StreamResult::Outcome::Corrupt;
                result.stopOffset = chunk.fileOffset;
                result.message = "chunk " + std::to_string(chunk.header.sequence) + " at byte " +
                                 std::to_string(chunk.fileOffset) + ": " + decoder.error();
                return result;
            }
            result.lastTimeUs = record.timeUs;
            sink.onRecord(record);
        }
        ++result.chunks;
    }
}

}  // namespace memtrace::reader
