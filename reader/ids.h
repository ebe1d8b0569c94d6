// Strong id types of the reader's model. Ids from the file (StackId, ThreadIndex) and the
// model's own dense indexes (StackIndex, ModuleId) must not mix; each is its own type.
#pragma once

#include <compare>
#include <cstdint>

namespace memtrace::reader {

template <typename Tag, typename T>
class StrongId {
public:
    using ValueType = T;
    constexpr StrongId() = default;
    constexpr explicit StrongId(T value) : m_value(value) {}
    constexpr T value() const { return m_value; }
    constexpr auto operator<=>(const StrongId&) const = default;

private:
    T m_value{};
};

// A stack id as written in the capture (dense from 1; 0 = "no stack").
using StackId = StrongId<struct StackIdTag, uint64_t>;
// The model's dense index of a stack; 0 is the "no stack" entry, always present.
using StackIndex = StrongId<struct StackIndexTag, uint32_t>;
// Index into the model's module table; 0 = unknown module (address outside every map).
using ModuleId = StrongId<struct ModuleIdTag, uint32_t>;
// A thread as the capture numbers it (Thread / ThreadStart records).
using ThreadIndex = StrongId<struct ThreadIndexTag, uint32_t>;

inline constexpr ThreadIndex kNoThread{~0u};

}  // namespace memtrace::reader
