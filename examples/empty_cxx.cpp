// empty_cxx: the baseline for C++ examples. Makes no allocation of its own and exits 0.
//
// Linked with libstdc++ like cxx_new_delete, so its capture holds libstdc++'s start-up
// allocations (the exception emergency pool, ~72 KiB with malloc in a static constructor,
// never freed). The integration tests subtract it from cxx_new_delete.
#include <new>

int main()
{
    // Reference libstdc++ so the linker keeps it (as-needed would drop it otherwise).
    static std::nothrow_t const* volatile keep = &std::nothrow;
    (void)keep;
    return 0;
}
