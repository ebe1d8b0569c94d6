// The key `memtrace diff` matches stacks by (diff_capture.h) is a text: the frames' parts -
// function names, or function and file:line - joined by a separator. With 100000 stacks of
// 50 frames those texts took kilobytes each, a gigabyte per capture. So a key is held as its
// parts, each interned once in its profile's KeyTable, and is compared and hashed as the
// text the parts join into: the same matches, and the same order, as the text itself.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace memtrace::report {

using StackKey = std::vector<uint32_t>;  // part ids, innermost frame first

class KeyTable {
public:
    static constexpr char kPartSeparator = '\x1f';

    KeyTable() = default;
    // A copy's index views its own texts; a move keeps the deque's elements where they are.
    KeyTable(const KeyTable& other) : m_parts(other.m_parts) { index(); }
    KeyTable& operator=(const KeyTable& other)
    {
        if (this != &other) {
            m_parts = other.m_parts;
            index();
        }
        return *this;
    }
    KeyTable(KeyTable&&) = default;
    KeyTable& operator=(KeyTable&&) = default;

    uint32_t intern(const std::string& part);
    const std::string& part(uint32_t id) const { return m_parts[id].text; }
    // Of the text the key stands for: equal texts, equal hashes.
    uint64_t hash(const StackKey& key) const;
    std::string text(const StackKey& key) const;

private:
    void index();

    struct Part {
        std::string text;
        uint64_t hash = 0;   // polynomial hash of the text
        uint64_t power = 1;  // kBase ^ its length: hash(x + y) = hash(x) * power(y) + hash(y)
    };
    static constexpr uint64_t kBase = 0x100000001b3ull;
    std::deque<Part> m_parts;                           // in place: m_ids views their texts
    std::unordered_map<std::string_view, uint32_t> m_ids;
};

// <0, 0 or >0 as the texts of key a (parts in ta) and key b (parts in tb) compare, byte by
// byte as unsigned chars, as std::string does.
int compareKeys(const StackKey& a, const KeyTable& ta, const StackKey& b, const KeyTable& tb);

}  // namespace memtrace::report
