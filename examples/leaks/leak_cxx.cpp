// C++ leaks through new: one Widget (64 bytes, operator new, WIDGET_SITE) and one int[10]
// (40 bytes, operator new[], ARRAY_SITE) are never deleted; 20 other Widgets are.
// Expected: 104 bytes in 2 blocks in 2 places.
#include <cstdint>

struct Widget {
    std::uint64_t fields[8];
};

__attribute__((noinline)) static Widget* make_widget()
{
    return new Widget{}; /* WIDGET_SITE */
}

__attribute__((noinline)) static int* make_array()
{
    return new int[10]; /* ARRAY_SITE */
}

int main()
{
    for (int i = 0; i < 20; ++i) delete make_widget();
    Widget* volatile lostWidget = make_widget();
    int* volatile lostArray = make_array();
    lostWidget = nullptr;
    lostArray = nullptr;
    (void)lostWidget;
    (void)lostArray;
    return 0;
}
