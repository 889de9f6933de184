/* heap.h — an intrusive binary min-heap.
 *
 * The engine keeps two ordered sets: the wake-up instants of tasks and
 * retries (earliest first), and the queue of runs waiting for a free slot
 * (highest priority, then earliest fire, first).  Both embed a struct
 * heap_node in their own structs and give the heap an ordering; the node
 * remembers its position, so removing or re-keying any element is
 * O(log n) without a search.
 */
#ifndef HEAP_H
#define HEAP_H

#include <stdbool.h>
#include <stddef.h>

#define HEAP_NOT_QUEUED ((size_t)-1)

struct heap_node {
    size_t index; /* position in the heap, or HEAP_NOT_QUEUED */
};

/* True when a must come out before b. */
typedef bool (*heap_less_fn)(const struct heap_node *a, const struct heap_node *b);

struct heap {
    struct heap_node **nodes;
    size_t count, capacity;
    heap_less_fn less;
};

void heap_init(struct heap *h, heap_less_fn less);
/* Free the array (the nodes belong to their owners). */
void heap_free(struct heap *h);

/* Mark a node as outside any heap; call once when the owner is created. */
void heap_node_init(struct heap_node *node);
bool heap_node_queued(const struct heap_node *node);

/* Insert; -1 when out of memory (the heap is unchanged). */
int heap_push(struct heap *h, struct heap_node *node);
/* Remove a queued node (a node outside the heap is left alone). */
void heap_remove(struct heap *h, struct heap_node *node);
/* Restore the order after the node's key changed. */
void heap_update(struct heap *h, struct heap_node *node);
/* The first node, or NULL when empty. */
struct heap_node *heap_top(const struct heap *h);
/* Remove and return the first node, or NULL. */
struct heap_node *heap_pop(struct heap *h);

#endif
