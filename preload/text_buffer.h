// A fixed-size string builder for paths and the one-line messages the shim prints.
// No allocation, no locale, no snprintf (which may allocate for some conversions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace memtrace::shim {

class TextBuffer {
public:
    TextBuffer(char* buffer, size_t capacity) : m_buf(buffer), m_cap(capacity) { terminate(); }

    TextBuffer& add(const char* s) { return add(s, std::strlen(s)); }
    TextBuffer& add(const char* s, size_t n)
    {
        for (size_t i = 0; i < n; ++i) push(s[i]);
        return *this;
    }
    TextBuffer& addUnsigned(uint64_t v)
    {
        char digits[24];
        size_t n = 0;
        do {
            digits[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        while (n > 0) push(digits[--n]);
        return *this;
    }
    // microseconds as seconds with 3 decimals: 1234567 -> "1.234"
    TextBuffer& addSeconds(uint64_t us)
    {
        addUnsigned(us / 1000000);
        push('.');
        const uint64_t ms = (us / 1000) % 1000;
        push(static_cast<char>('0' + ms / 100));
        push(static_cast<char>('0' + ms / 10 % 10));
        push(static_cast<char>('0' + ms % 10));
        return *this;
    }

    bool overflowed() const { return m_overflow; }
    const char* c_str() const { return m_buf; }
    size_t size() const { return m_len; }

private:
    void push(char c)
    {
        if (m_len + 1 >= m_cap) {
            m_overflow = true;
            return;
        }
        m_buf[m_len++] = c;
        terminate();
    }
    void terminate()
    {
        if (m_cap) m_buf[m_len < m_cap ? m_len : m_cap - 1] = '\0';
    }

    char* m_buf;
    size_t m_cap;
    size_t m_len = 0;
    bool m_overflow = false;
};

// Writes one line to stderr with write(2). Safe anywhere.
void printLine(const char* text);

}  // namespace memtrace::shim
