// The protobuf wire format, write side only: enough for profile.proto (pprof). A hand-written
// encoder instead of libprotobuf because the profile is seven small messages of varints and
// strings; a protoc step and a library dependency would outweigh the ~60 lines below.
//
// Wire format (https://protobuf.dev/programming-guides/encoding/): every field is a key
// varint (field_number << 3 | wire_type) then its payload.
//   wire type 0 (varint): 7 bits per byte, least significant group first, high bit = "more".
//   wire type 2 (length-delimited): varint length, then the bytes (strings, sub-messages,
//                packed repeated varints).
// Worked example: field 1 = 300 -> key 0x08, varint 300 = 0b1_0010_1100 -> AC 02 -> 08 AC 02.
// Proto3 leaves fields at their default (0, "", false) out, and so do we.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace memtrace::report::exporter {

class ProtoWriter {
public:
    void varintField(uint32_t field, uint64_t value)
    {
        if (value == 0) return;
        key(field, 0);
        varint(value);
    }
    void int64Field(uint32_t field, int64_t value) { varintField(field, static_cast<uint64_t>(value)); }
    void boolField(uint32_t field, bool value) { varintField(field, value ? 1 : 0); }
    // Strings and sub-messages; `always` writes an empty one too (string_table[0] must be "").
    void bytesField(uint32_t field, std::string_view bytes, bool always = false)
    {
        if (bytes.empty() && !always) return;
        key(field, 2);
        varint(bytes.size());
        m_out.append(bytes);
    }
    void messageField(uint32_t field, const ProtoWriter& message) { bytesField(field, message.bytes(), true); }
    void packedVarints(uint32_t field, std::span<const uint64_t> values)
    {
        if (values.empty()) return;
        ProtoWriter packed;
        for (uint64_t v : values) packed.varint(v);
        bytesField(field, packed.bytes());
    }

    const std::string& bytes() const { return m_out; }
    void clear() { m_out.clear(); }

private:
    void key(uint32_t field, uint32_t wireType) { varint(uint64_t{field} << 3 | wireType); }
    void varint(uint64_t v)
    {
        while (v >= 0x80) {
            m_out.push_back(static_cast<char>(v | 0x80));
            v >>= 7;
        }
        m_out.push_back(static_cast<char>(v));
    }

    std::string m_out;
};

}  // namespace memtrace::report::exporter
