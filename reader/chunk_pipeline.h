// Decompression overlapped with parsing: a second thread runs CaptureFile::nextChunk (read +
// zstd) for chunk N+1 while the caller parses chunk N. Two ChunkBuffers, one in each hand, so
// memory stays bounded by two chunks whatever the capture's length.
//
//   ChunkPipeline pipeline(file);          // file opened; the thread starts here
//   const ChunkBuffer* chunk;
//   while (pipeline.next(chunk) == CaptureFile::Next::Chunk) parse(*chunk);
//
// Constructed with a payload layout, the worker also decodes each chunk's records
// (decoded_chunk.h) and next() hands out the DecodedChunk beside the buffer: the model's loader
// then only replays them (capture_stream.h).
//
// next() hands out a buffer that stays valid until the following next() call. After a result
// other than Chunk, the file's stopOffset()/error() describe it (the worker is done with the
// file by then). An exception thrown by the worker (std::bad_alloc) is rethrown by next().
#pragma once

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "capture_file.h"
#include "decoded_chunk.h"
#include "record_decoder.h"

namespace memtrace::reader {

class ChunkPipeline {
public:
    explicit ChunkPipeline(CaptureFile& file, std::optional<format::PayloadLayout> decodeAs = std::nullopt);
    ~ChunkPipeline();
    ChunkPipeline(const ChunkPipeline&) = delete;
    ChunkPipeline& operator=(const ChunkPipeline&) = delete;

    // `decoded`: the chunk's records (only with decodeAs), valid as long as the buffer.
    CaptureFile::Next next(const ChunkBuffer*& chunk, const DecodedChunk** decoded = nullptr);

private:
    void run();

    CaptureFile& m_file;
    ChunkBuffer m_buffers[2];
    // Decoding on the worker (decodeAs): its own decoder; each chunk starts at the time the
    // previous one ended (the delta state's time, as when the caller decodes).
    std::optional<format::PayloadLayout> m_decodeAs;
    std::unique_ptr<RecordDecoder> m_decoder;
    DecodedChunk m_decoded[2];
    uint64_t m_decodeTimeUs = 0;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    // Slot i is filled (result in m_results[i]) when m_filled[i]; the worker fills slots in
    // turn 0, 1, 0, ... and the consumer takes them in the same order.
    bool m_filled[2] = {false, false};
    CaptureFile::Next m_results[2] = {CaptureFile::Next::EndOfFile, CaptureFile::Next::EndOfFile};
    std::exception_ptr m_error;
    bool m_stop = false;
    int m_consumerSlot = 0;
    bool m_holding = false;  // the consumer holds m_consumerSlot (returned by the last next())
    std::thread m_thread;  // last: starts once everything above is constructed
};

}  // namespace memtrace::reader
