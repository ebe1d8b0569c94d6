// Builds complete capture files in memory for tests: FileHeader + chunks, each chunk's records
// written with the real format::RecordEncoder and compressed with zstd exactly as the shim does
// (one frame with content size and checksum).
//
//   CaptureBuilder b;
//   b.processInfo(1234, "/bin/prog", {"prog", "-x"});
//   auto& e = b.records();
//   e.time(10); e.thread(1); e.alloc(AllocatorKind::Malloc, 0x1000, 48, 1);
//   b.endChunk();
//   b.end();
//   std::string path = b.write("name");  // under the test temp directory
#pragma once

#include <zstd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "memtrace/format.h"
#include "memtrace/record_encoder.h"

namespace memtrace::test {

using format::AllocatorKind;
using format::RecordType;

struct ModuleSpec {
    std::string path;
    uint64_t loadBias = 0;
    std::string buildId;
    std::vector<std::pair<uint64_t, uint64_t>> segments;  // (vaddr, memsz)
};

class CaptureBuilder {
public:
    explicit CaptureBuilder(uint16_t version = format::kFormatVersion, uint16_t flags = 0) : m_buffer(8u << 20), m_encoder(m_buffer.data(), m_buffer.size(), format::payloadLayout(version))
    {
        for (unsigned char c : format::kFileMagic) m_file.push_back(c);
        put16(version);
        put16(flags);
        put32(sizeof(format::FileHeader));
    }

    format::RecordEncoder& records() { return m_encoder; }

    // Compresses the records written since the last endChunk() into one chunk. Returns the file
    // offset of the chunk. Empty chunks are written too (valid: zero records).
    uint64_t endChunk()
    {
        const uint64_t offset = m_file.size();
        const std::span<const uint8_t> payload = m_encoder.payload();
        std::vector<uint8_t> frame(ZSTD_compressBound(payload.size()));
        ZSTD_CCtx* cctx = ZSTD_createCCtx();
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
        const size_t n = ZSTD_compress2(cctx, frame.data(), frame.size(), payload.data(), payload.size());
        ZSTD_freeCCtx(cctx);
        if (ZSTD_isError(n)) throw std::runtime_error("zstd failed");
        put32(format::kChunkMagic);
        put32(static_cast<uint32_t>(n));
        put32(static_cast<uint32_t>(payload.size()));
        put32(m_sequence++);
        for (size_t i = 0; i < n; ++i) m_file.push_back(frame[i]);
        m_encoder.reset();
        return offset;
    }

    // ---- extension records ----
    void processInfo(uint64_t pid, const std::string& exe, std::initializer_list<std::string> argv)
    {
        std::string cmdline;
        for (const std::string& a : argv) {
            if (!cmdline.empty()) cmdline.push_back('\0');
            cmdline += a;
        }
        m_encoder.beginExtension(RecordType::ProcessInfo);
        m_encoder.field(pid);
        m_encoder.field(1);           // ppid
        m_encoder.field(1700000000);  // start ns
        m_encoder.field(4096);
        m_encoder.field(128);
        m_encoder.field(0);
        m_encoder.fieldString(exe.data(), exe.size());
        m_encoder.fieldString(cmdline.data(), cmdline.size());
        m_encoder.fieldString("testhost");
        m_encoder.fieldString("0.1.0");
        m_encoder.endExtension();
    }
    void threadStart(uint32_t index, uint64_t tid, const std::string& name)
    {
        m_encoder.beginExtension(RecordType::ThreadStart);
        m_encoder.field(index);
        m_encoder.field(tid);
        m_encoder.fieldString(name.data(), name.size());
        m_encoder.endExtension();
    }
    void threadName(uint32_t index, const std::string& name)
    {
        m_encoder.beginExtension(RecordType::ThreadName);
        m_encoder.field(index);
        m_encoder.fieldString(name.data(), name.size());
        m_encoder.endExtension();
    }
    void moduleMap(uint64_t generation, const std::vector<ModuleSpec>& modules)
    {
        m_encoder.beginExtension(RecordType::ModuleMap);
        m_encoder.field(generation);
        m_encoder.field(modules.size());
        for (const ModuleSpec& m : modules) {
            m_encoder.fieldString(m.path.data(), m.path.size());
            m_encoder.field(m.loadBias);
            m_encoder.fieldString(m.buildId.data(), m.buildId.size());
            m_encoder.field(m.segments.size());
            for (auto [vaddr, memsz] : m.segments) {
                m_encoder.field(vaddr);
                m_encoder.field(memsz);
            }
        }
        m_encoder.endExtension();
    }
    void rss(uint64_t bytes) { simple(RecordType::Rss, bytes); }
    void threadExit(uint32_t index) { simple(RecordType::ThreadExit, index); }
    // The writer's counters (ring-full waits, program-thread drains) are appended fields:
    // without them, End as captures before them had it.
    void end(format::EndReason reason = format::EndReason::Exit, uint64_t written = 0, uint64_t lost = 0,
             std::optional<std::pair<uint64_t, uint64_t>> writerCounters = std::nullopt)
    {
        m_encoder.beginExtension(RecordType::End);
        m_encoder.fieldByte(static_cast<uint8_t>(reason));
        m_encoder.field(written);
        m_encoder.field(lost);
        if (writerCounters) {
            m_encoder.field(writerCounters->first);
            m_encoder.field(writerCounters->second);
        }
        m_encoder.endExtension();
    }
    void exitStatus(format::ExitKind kind, uint64_t code)
    {
        m_encoder.beginExtension(RecordType::ExitStatus);
        m_encoder.fieldByte(static_cast<uint8_t>(kind));
        m_encoder.field(code);
        m_encoder.endExtension();
    }
    // An extension record of any type with raw payload bytes.
    void extension(uint8_t type, const std::vector<uint8_t>& payload)
    {
        m_encoder.beginExtension(static_cast<RecordType>(type));
        for (uint8_t b : payload) m_encoder.fieldByte(b);
        m_encoder.endExtension();
    }

    // The file so far (records not yet in a chunk are not included).
    std::vector<uint8_t>& bytes() { return m_file; }

    // Writes the file (or its first `size` bytes) under the temp directory; returns the path.
    std::string write(const std::string& name, size_t size = ~size_t{0}) const
    {
        return writeBytes(name, m_file.data(), size < m_file.size() ? size : m_file.size());
    }

    static std::string writeBytes(const std::string& name, const uint8_t* data, size_t size)
    {
        const std::string path = tempDir() + "/" + name;
        std::FILE* f = std::fopen(path.c_str(), "wb");
        if (!f) throw std::runtime_error("cannot write " + path);
        if (size) std::fwrite(data, 1, size, f);
        std::fclose(f);
        return path;
    }

    static std::string tempDir()
    {
        static const std::string dir = [] {
            std::string d = "/tmp/memtrace-unit-" + std::to_string(::getpid());
            ::mkdir(d.c_str(), 0755);
            return d;
        }();
        return dir;
    }

private:
    void simple(RecordType type, uint64_t value)
    {
        m_encoder.beginExtension(type);
        m_encoder.field(value);
        m_encoder.endExtension();
    }
    void put16(uint16_t v)
    {
        m_file.push_back(static_cast<uint8_t>(v));
        m_file.push_back(static_cast<uint8_t>(v >> 8));
    }
    void put32(uint32_t v)
    {
        for (int i = 0; i < 4; ++i) m_file.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }

    std::vector<uint8_t> m_buffer;
    format::RecordEncoder m_encoder;
    std::vector<uint8_t> m_file;
    uint32_t m_sequence = 0;
};

}  // namespace memtrace::test
