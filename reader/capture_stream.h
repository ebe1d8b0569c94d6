// Streams a capture file's records into a sink: CaptureFile (chunks) + RecordDecoder
// (records). Used by the model loader and by `memtrace dump`. One chunk in memory at a time.
#pragma once

#include <cstdint>
#include <string>

#include "capture_file.h"
#include "record.h"

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

}  // namespace memtrace::reader
