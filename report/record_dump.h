// `memtrace dump`: every record of a capture, one line each — a debugging aid and a tool for
// tests of the shim. Line formats (t = seconds since capture start, T = thread index, "T?" when
// no Thread record came yet in the chunk):
//
//   header version=1 flags=0x0 header_size=16
//   chunk 0 @16 csize=812 usize=2304
//   t=0.000123 T1 alloc malloc 0x55d0c0a2b2a0 48 stack=3
//   t=0.000130 T1 free free 0x55d0c0a2b2a0
//   t=0.000135 T1 free operator_delete(sized) 0x55d0c0a2b2a0   (kind names: spaces -> '_')
//   t=0.000131 T1 realloc realloc 0x0 -> 0x55d0c0a2b2a0 64 stack=4
//   t=0.000140 T1 mmap mmap(anonymous) 0x7f0000000000 4096 prot=0x3 flags=0x22 stack=5
//   t=0.000150 T1 munmap 0x7f0000000000 4096
//   t=0.000160 T1 mremap 0x7f0000000000 4096 -> 0x7f0000100000 8192 stack=5
//   t=0.000000 T? stack 3 depth=2 0x55d0c09f1234 0x7f10a0029d90
//   t=0.000000 T? time +123
//   t=0.000000 T? thread 1
//   ... extension records by name: process, thread_start, thread_name, module_map, rss, end,
//   exit_status, marker, pause, resume, tracking_stopped, thread_exit, ext 0x5a len=12
//
// With stats mode, only a table of record counts and bytes by type is printed at the end.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>

#include "reader/capture_stream.h"

namespace memtrace::report {

class RecordDump final : public reader::RecordSink {
public:
    RecordDump(std::FILE* out, bool statsOnly) : m_out(out), m_statsOnly(statsOnly) {}

    void onHeader(const format::FileHeader& header) override;
    void onChunk(const reader::ChunkBuffer& chunk) override;
    void onRecord(const reader::Record& record) override;

    // Prints how reading ended, and the statistics table in stats mode.
    void finish(const reader::StreamResult& result);

private:
    void printRecord(const reader::Record& r);

    std::FILE* m_out;
    bool m_statsOnly;
    struct TypeStats {
        uint64_t count = 0;
        uint64_t bytes = 0;
    };
    std::array<TypeStats, 256> m_types{};
    uint64_t m_chunks = 0;
    uint64_t m_compressedBytes = 0;
    uint64_t m_payloadBytes = 0;
};

}  // namespace memtrace::report
