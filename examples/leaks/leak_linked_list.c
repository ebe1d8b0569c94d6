// A leaked linked structure: a list head (32 bytes) and 5 nodes (48 bytes each) lose their
// only pointer. valgrind calls the head "definitely" and the nodes "indirectly" lost.
// Expected: 272 bytes in 6 blocks; groups: 240 B in 5 blocks from new_node (NODE_SITE) and
// 32 B in 1 block from new_list (HEAD_SITE).
#include <stdlib.h>

struct node {
    struct node* next;
    char payload[40];
};
struct list {
    struct node* first;
    size_t length;
    char name[16];
};

__attribute__((noinline)) static struct list* new_list(void)
{
    struct list* l = calloc(1, sizeof(struct list)); /* HEAD_SITE */
    return l;
}

__attribute__((noinline)) static struct node* new_node(struct node* next)
{
    struct node* n = malloc(sizeof(struct node)); /* NODE_SITE */
    n->next = next;
    return n;
}

int main(void)
{
    volatile struct list* l = new_list();
    for (int i = 0; i < 5; ++i) {
        l->first = new_node(l->first);
        ++l->length;
    }
    l = NULL;
    return 0;
}
