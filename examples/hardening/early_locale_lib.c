// early_locale's library: newlocale from its constructor, the process's first allocation.
#include <locale.h>

static int g_loaded;

__attribute__((constructor)) static void load_locale(void)
{
    locale_t locale = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
    g_loaded = locale != (locale_t)0;
    if (locale) freelocale(locale);
}

int early_locale_loaded(void) { return g_loaded; }
