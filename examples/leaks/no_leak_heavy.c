// Allocates heavily and frees everything: 200000 blocks of 16..4111 bytes with up to 1000
// alive at once, plus reallocs. Expected: no leak (0 bytes), exit status 0.
#include <stdlib.h>

int main(void)
{
    void* slots[1000] = {0};
    for (int i = 0; i < 200000; ++i) {
        const int slot = (i * 7919) % 1000;
        free(slots[slot]);
        slots[slot] = malloc(16 + (size_t)(i % 4096));
        if (i % 10 == 0) slots[slot] = realloc(slots[slot], 32 + (size_t)(i % 512));
    }
    for (int i = 0; i < 1000; ++i) free(slots[i]);
    return 0;
}
