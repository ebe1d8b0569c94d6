// gzip through zlib: deflate with windowBits 15 + 16 writes the gzip header and trailer.
#include <zlib.h>

#include <stdexcept>

#include "pprof_export.h"

namespace memtrace::report::exporter {

std::string gzip(const std::string& data)
{
    if (data.size() > 0xffffffffu) throw std::runtime_error("profile larger than 4 GiB: zlib takes one 32-bit buffer");
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("zlib: deflateInit2 failed");
    std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 32, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    const size_t written = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate failed");
    out.resize(written);
    return out;
}

}  // namespace memtrace::report::exporter
