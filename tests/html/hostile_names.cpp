// Functions whose names are hostile when shown in HTML: a template name with '<', '>' and '&',
// and an assembler-level name that is a <script> element with a quote and an entity. Each
// allocates and leaks a block, so the names appear in the flamegraph and the leaks table.
#include <cstdlib>

template <class T> struct Box {};

template <class T> __attribute__((noinline)) void* make_box(int n) { return std::malloc(n); }

// GNU as accepts any character in a quoted symbol name.
extern "C" __attribute__((noinline)) void* evil_symbol(int n) __asm__("\"evil<script>alert(1)</script>'&amp;\"");
extern "C" void* evil_symbol(int n) { return std::malloc(n); }

int main()
{
    volatile void* a = make_box<Box<int&>>(1000);
    volatile void* b = evil_symbol(2000);
    return a && b ? 0 : 1;
}
