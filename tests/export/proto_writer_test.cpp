// The protobuf wire encoder (report/export/proto_writer.h) against hand-computed bytes from
// the protobuf encoding guide, and gzip() round-tripped through zlib's own inflate.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <zlib.h>

#include <vector>

#include "report/export/pprof_export.h"
#include "report/export/proto_writer.h"

using memtrace::report::exporter::ProtoWriter;

namespace {
std::string bytes(std::initializer_list<int> b)
{
    std::string s;
    for (int x : b) s.push_back(static_cast<char>(x));
    return s;
}
}  // namespace

TEST_CASE("varint fields: the guide's worked examples")
{
    ProtoWriter w;
    w.varintField(1, 150);  // the guide's "08 96 01"
    CHECK(w.bytes() == bytes({0x08, 0x96, 0x01}));
    w.clear();
    w.varintField(1, 300);
    CHECK(w.bytes() == bytes({0x08, 0xAC, 0x02}));
    w.clear();
    w.varintField(3, 0);  // proto3: defaults are left out
    w.boolField(4, false);
    w.bytesField(5, "");
    CHECK(w.bytes().empty());
    w.int64Field(2, -1);  // int64 -1 is ten bytes of two's complement
    CHECK(w.bytes() == bytes({0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
}

TEST_CASE("length-delimited fields: strings, messages, packed varints")
{
    ProtoWriter w;
    w.bytesField(2, "testing");  // the guide's "12 07 74 65 73 74 69 6e 67"
    CHECK(w.bytes() == bytes({0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'}));
    w.clear();
    w.bytesField(6, "", true);  // string_table[0] = "" must be written
    CHECK(w.bytes() == bytes({0x32, 0x00}));
    ProtoWriter inner;
    inner.varintField(1, 150);
    w.clear();
    w.messageField(3, inner);  // the guide's "1a 03 08 96 01"
    CHECK(w.bytes() == bytes({0x1a, 0x03, 0x08, 0x96, 0x01}));
    w.clear();
    const std::vector<uint64_t> packed{3, 270, 86942};  // the guide's "32 06 03 8e 02 9e a7 05"
    w.packedVarints(6, packed);
    CHECK(w.bytes() == bytes({0x32, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05}));
}

TEST_CASE("gzip output inflates back to the input")
{
    std::string data;
    for (int i = 0; i < 100000; ++i) data += std::to_string(i * 7919 % 1000);
    const std::string gz = memtrace::report::exporter::gzip(data);
    REQUIRE(gz.size() > 18);
    CHECK(static_cast<unsigned char>(gz[0]) == 0x1f);
    CHECK(static_cast<unsigned char>(gz[1]) == 0x8b);
    std::string back(data.size() + 16, '\0');
    z_stream zs{};
    REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
    zs.avail_in = static_cast<uInt>(gz.size());
    zs.next_out = reinterpret_cast<Bytef*>(back.data());
    zs.avail_out = static_cast<uInt>(back.size());
    CHECK(inflate(&zs, Z_FINISH) == Z_STREAM_END);
    back.resize(zs.total_out);
    inflateEnd(&zs);
    CHECK(back == data);
}
