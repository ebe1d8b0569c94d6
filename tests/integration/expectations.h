// Assertions shared by the test files: exact numbers on top of a baseline capture.
#pragma once

#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "harness.h"

namespace memtrace::integration {

// by_kind[kind] == the example's own calls plus what the baseline (empty program) had.
// `bytes` is left unchecked for release kinds (nullopt).
inline void expectKind(const Summary& capture, const Summary& base, const std::string& kind, uint64_t count,
                       std::optional<uint64_t> bytes)
{
    const KindStat got = kindStat(capture.data, kind);
    const KindStat noise = kindStat(base.data, kind);
    INFO("by_kind[\"" << kind << "\"]: capture " << got.count << " calls / " << got.bytes << " B, baseline "
                      << noise.count << " / " << noise.bytes << " B");
    CHECK(got.count == count + noise.count);
    if (bytes) CHECK(got.bytes == *bytes + noise.bytes);
}

// summary[field] == value + baseline[field].
inline void expectField(const Summary& capture, const Summary& base, const std::string& field, uint64_t value)
{
    const uint64_t got = number(capture.data, field);
    const uint64_t noise = number(base.data, field);
    INFO(field << ": capture " << got << ", baseline " << noise << ", the example's own " << value);
    CHECK(got == value + noise);
}

// The one top_leaks entry whose stack goes through `function`, with its bytes, blocks, kind.
inline void expectLeakFrom(const Summary& capture, const std::string& function, uint64_t bytes, uint64_t blocks,
                           const std::string& kind)
{
    const auto leaks = leaksFrom(capture.data, function);
    INFO("top_leaks: " << capture.data["top_leaks"].dump());
    REQUIRE(leaks.size() == 1);
    const json& leak = leaks.front();
    CHECK(leak["bytes"].get<uint64_t>() == bytes);
    CHECK(leak["blocks"].get<uint64_t>() == blocks);
    CHECK(leak["kind"].get<std::string>() == kind);
}

}  // namespace memtrace::integration
