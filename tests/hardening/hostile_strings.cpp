// Names that are hostile in every output format: functions whose symbol names hold a
// <script> element, a table bar, backticks, quotes, a semicolon (the folded format's frame
// separator), and a source file whose name holds a newline, bars, backticks and a <script>.
// Each function leaks one block (1111 and 2222 B), so they appear in leaks, diffs and reports.
#include <cstdlib>

// GNU as takes any character but a double quote in a quoted symbol name (double quotes are
// in the file name below and in the command line).
extern "C" __attribute__((noinline)) void* hostile_one(int n)
    __asm__("\"<script>alert(1)</script>|`tick`|'sq';semi\"");
extern "C" void* hostile_one(int n) { return std::malloc(n); }

#line 100 "evil\n| `file` |<script>x</script>\".c"
extern "C" __attribute__((noinline)) void* hostile_two(int n) { return std::malloc(n); }

int main()
{
    volatile void* a = hostile_one(1111);
    volatile void* b = hostile_two(2222);
    return a && b ? 0 : 1;
}
