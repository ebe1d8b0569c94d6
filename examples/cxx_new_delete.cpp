// cxx_new_delete: every replaceable operator new / operator delete form that memtrace
// distinguishes, once each with a distinct size, and one leaked `new`.
//
// Exact calls (C++20, g++; the new-expressions' operator choice is checked by the test
// through the kinds it records):
//   new Widget (48 B), delete          operator new 48        / operator delete(sized)
//   ::operator new(40)                 operator new 40        / operator delete
//   ::operator new[](80)               operator new[] 80      / operator delete[]
//   new (nothrow) 120                  operator new(nothrow) 120 / operator delete(sized)
//   new[] (nothrow) 160                operator new[](nothrow) 160 / operator delete[](sized)
//   new Aligned64 (192 B, alignas 64)  operator new(align) 192 / operator delete(sized, align)
//   new Aligned64[2] (384 B)           operator new[](align) 384 / operator delete[](align)
//   new (align 128, nothrow) 200       operator new(align, nothrow) 200 / operator delete(align)
//   new[] (align 128, nothrow) 224     operator new[](align, nothrow) 224
//                                      / operator delete[](sized, align)
//   new Leaked (256 B), never deleted  operator new 256       (leaked, from leak_one_object)
//
//   allocations: 10 (operator new: 3, 344 B; every other new kind: 1), 1704 B
//   frees: 9 (operator delete(sized): 2, every other delete kind used: 1)
//   leaked: 1 block, 256 B; no malloc/free of its own (libstdc++ start-up: see empty_cxx)
// Prints "cxx_new_delete: 10 allocations, 1 leaked" and exits 0.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "example_output.h"

namespace {

struct Widget {
    char name[40];
    int64_t id;
};
static_assert(sizeof(Widget) == 48);

struct alignas(64) Aligned64 {
    char data[192];
};
static_assert(sizeof(Aligned64) == 192);

struct Leaked {
    char data[256];
};

void* volatile sink;

[[gnu::noinline]] void use(void* p, std::size_t size)
{
    std::memset(p, 0x5a, size);
    sink = p;
}

[[gnu::noinline]] void leak_one_object()
{
    auto* leaked = new Leaked;
    use(leaked, sizeof(Leaked));
    sink = nullptr;
}

}  // namespace

int main()
{
    auto* widget = new Widget;  // operator new(48)
    use(widget, sizeof(Widget));
    delete widget;  // complete type: g++ calls operator delete(void*, size_t)

    void* plain = ::operator new(40);
    use(plain, 40);
    ::operator delete(plain);

    void* array = ::operator new[](80);
    use(array, 80);
    ::operator delete[](array);

    void* nothrow = ::operator new(120, std::nothrow);
    use(nothrow, 120);
    ::operator delete(nothrow, std::size_t{120});

    void* nothrow_array = ::operator new[](160, std::nothrow);
    use(nothrow_array, 160);
    ::operator delete[](nothrow_array, std::size_t{160});

    auto* aligned = new Aligned64;  // operator new(size_t, align_val_t)
    use(aligned, sizeof(Aligned64));
    delete aligned;  // operator delete(void*, size_t, align_val_t)

    auto* aligned_array = new Aligned64[2];  // operator new[](size_t, align_val_t)
    use(aligned_array, 2 * sizeof(Aligned64));
    delete[] aligned_array;  // trivial destructor, no cookie: operator delete[](void*, align_val_t)

    void* aligned_nothrow = ::operator new(200, std::align_val_t{128}, std::nothrow);
    use(aligned_nothrow, 200);
    ::operator delete(aligned_nothrow, std::align_val_t{128});

    void* aligned_nothrow_array = ::operator new[](224, std::align_val_t{128}, std::nothrow);
    use(aligned_nothrow_array, 224);
    ::operator delete[](aligned_nothrow_array, std::size_t{224}, std::align_val_t{128});

    leak_one_object();

    say("cxx_new_delete: 10 allocations, 1 leaked\n");
    return 0;
}
