/* heap.c — an intrusive binary min-heap (see heap.h). */
#include "heap.h"

#include <stdlib.h>

#define HEAP_INITIAL_CAPACITY 16

void heap_init(struct heap *h, heap_less_fn less)
{
    h->nodes = NULL;
    h->count = h->capacity = 0;
    h->less = less;
}

void heap_free(struct heap *h)
{
    for (size_t i = 0; i < h->count; i++)
        h->nodes[i]->index = HEAP_NOT_QUEUED;
    free(h->nodes);
    h->nodes = NULL;
    h->count = h->capacity = 0;
}

void heap_node_init(struct heap_node *node)
{
    node->index = HEAP_NOT_QUEUED;
}

bool heap_node_queued(const struct heap_node *node)
{
    return node->index != HEAP_NOT_QUEUED;
}

static void place(struct heap *h, size_t i, struct heap_node *node)
{
    h->nodes[i] = node;
    node->index = i;
}

/* Move the node at i towards the root while it beats its parent. */
static void sift_up(struct heap *h, size_t i)
{
    struct heap_node *node = h->nodes[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!h->less(node, h->nodes[parent]))
            break;
        place(h, i, h->nodes[parent]);
        i = parent;
    }
    place(h, i, node);
}

/* Move the node at i towards the leaves while a child beats it. */
static void sift_down(struct heap *h, size_t i)
{
    struct heap_node *node = h->nodes[i];

    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->count)
            break;
        if (child + 1 < h->count && h->less(h->nodes[child + 1], h->nodes[child]))
            child++;
        if (!h->less(h->nodes[child], node))
            break;
        place(h, i, h->nodes[child]);
        i = child;
    }
    place(h, i, node);
}

int heap_push(struct heap *h, struct heap_node *node)
{
    if (h->count == h->capacity) {
        size_t capacity = h->capacity ? 2 * h->capacity : HEAP_INITIAL_CAPACITY;
        struct heap_node **nodes = realloc(h->nodes, capacity * sizeof *nodes);
        if (!nodes)
            return -1;
        h->nodes = nodes;
        h->capacity = capacity;
    }
    place(h, h->count++, node);
    sift_up(h, node->index);
    return 0;
}

void heap_remove(struct heap *h, struct heap_node *node)
{
    size_t i = node->index;
    struct heap_node *last;

    if (i == HEAP_NOT_QUEUED)
        return;
    node->index = HEAP_NOT_QUEUED;
    last = h->nodes[--h->count];
    if (i == h->count)
        return;
    place(h, i, last);
    heap_update(h, last);
}

void heap_update(struct heap *h, struct heap_node *node)
{
    size_t i = node->index;

    if (i == HEAP_NOT_QUEUED)
        return;
    if (i > 0 && h->less(node, h->nodes[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}

struct heap_node *heap_top(const struct heap *h)
{
    return h->count ? h->nodes[0] : NULL;
}

struct heap_node *heap_pop(struct heap *h)
{
    struct heap_node *top = heap_top(h);

    if (top)
        heap_remove(h, top);
    return top;
}
