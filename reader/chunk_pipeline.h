// Decompression overlapped with parsing: a second thread runs CaptureFile::nextChunk (read +
// zstd) for chunk N+1 while the caller parses chunk N. Two ChunkBuffers, one in each hand, so
// memory stays bounded by two chunks whatever the capture's length.
//
//   ChunkPipeline pipeline(file);          // file opened; the thread starts here
//   const ChunkBuffer* chunk;
//   while (pipeline.next(chunk) == CaptureFile::Next::Chunk) parse(*chunk);
//
// next() hands out a buffer that stays valid until the following next() call. After a result
// other than Chunk, the file's stopOffset()/error() describe it (the worker is done with the
// file by then). An exception thrown by the worker (std::bad_alloc) is rethrown by next().
#pragma once

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "capture_file.h"

namespace memtrace::reader {

class ChunkPipeline {
public:
    explicit ChunkPipeline(CaptureFile& file);
    ~ChunkPipeline();
    ChunkPipeline(const ChunkPipeline&) = delete;
    ChunkPipeline& operator=(const ChunkPipeline&) = delete;

    CaptureFile::Next next(const ChunkBuffer*& chunk);

private:
    void run();

    CaptureFile& m_file;
    ChunkBuffer m_buffers[2];
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
    std::thread m_thread;
};

}  // namespace memtrace::reader
