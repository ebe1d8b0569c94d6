// A program whose first allocation happens inside newlocale(), called from a library's
// constructor before the shim's own constructor has run (libp11-kit's does this in gdb):
// newlocale holds glibc's setlocale lock as writer around that malloc, so whatever the shim
// does to start up there runs inside the lock. Then main calls setlocale, which takes the
// lock again. A shim whose start-up takes the lock as reader (dlerror() translating its
// message does) breaks the lock's count and the program hangs in setlocale.
//   the library: newlocale(LC_ALL_MASK, "C.UTF-8") + freelocale; main: setlocale(LC_ALL, "C.UTF-8")
#include <locale.h>

#include "../example_output.h"

int early_locale_loaded(void);  // early_locale_lib.c

int main(void)
{
    const char* name = setlocale(LC_ALL, "C.UTF-8");
    say("early_locale: library %s, setlocale %s\n", early_locale_loaded() ? "loaded C.UTF-8" : "failed",
        name ? name : "failed");
    return 0;
}
