#include "chunk_pipeline.h"

namespace memtrace::reader {

ChunkPipeline::ChunkPipeline(CaptureFile& file, std::optional<format::PayloadLayout> decodeAs)
    : m_file(file),
      m_decodeAs(decodeAs),
      m_decoder(decodeAs ? std::make_unique<RecordDecoder>() : nullptr),
      m_thread([this] { run(); })
{
}

ChunkPipeline::~ChunkPipeline()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_changed.notify_all();
    m_thread.join();
}

void ChunkPipeline::run()
{
    for (int slot = 0;; slot ^= 1) {
        {
            std::unique_lock lock(m_mutex);
            m_changed.wait(lock, [&] { return m_stop || !m_filled[slot]; });
            if (m_stop) return;
        }
        CaptureFile::Next result;
        try {
            result = m_file.nextChunk(m_buffers[slot]);
            if (result == CaptureFile::Next::Chunk && m_decodeAs) {
                m_decoded[slot].decode(*m_decoder, m_buffers[slot].records(), m_decodeTimeUs, *m_decodeAs);
                m_decodeTimeUs = m_decoded[slot].endTimeUs();
            }
        } catch (...) {
            std::lock_guard lock(m_mutex);
            m_error = std::current_exception();
            m_results[slot] = CaptureFile::Next::IoError;
            m_filled[slot] = true;
            m_changed.notify_all();
            return;
        }
        {
            std::lock_guard lock(m_mutex);
            m_results[slot] = result;
            m_filled[slot] = true;
        }
        m_changed.notify_all();
        if (result != CaptureFile::Next::Chunk) return;  // nothing more to read
    }
}

CaptureFile::Next ChunkPipeline::next(const ChunkBuffer*& chunk, const DecodedChunk** decoded)
{
    std::unique_lock lock(m_mutex);
    if (m_holding) {  // the previous chunk is parsed: its buffer goes back to the worker
        m_filled[m_consumerSlot] = false;
        m_consumerSlot ^= 1;
        m_holding = false;
        m_changed.notify_all();
    }
    m_changed.wait(lock, [&] { return m_filled[m_consumerSlot]; });
    if (m_error) std::rethrow_exception(m_error);
    const CaptureFile::Next result = m_results[m_consumerSlot];
    if (result != CaptureFile::Next::Chunk) return result;  // stays filled: the worker has ended
    m_holding = true;
    chunk = &m_buffers[m_consumerSlot];
    if (decoded) *decoded = m_decodeAs ? &m_decoded[m_consumerSlot] : nullptr;
    return result;
}

}  // namespace memtrace::reader
