/* yamldoc.c — the in-memory YAML tree: building, lookup, copying, freeing.
 *
 * Reading (yamldoc_load.c), writing (yamldoc_emit.c) and scalar typing
 * (yamldoc_type.c) live in their own files; this one knows nothing of
 * libyaml.
 */
#include "yamldoc.h"

#include <stdlib.h>
#include <string.h>

#define INITIAL_CAPACITY 4

static struct yamldoc_node *new_node(enum yamldoc_kind kind)
{
    struct yamldoc_node *n = calloc(1, sizeof *n);
    if (n)
        n->kind = kind;
    return n;
}

struct yamldoc_node *yamldoc_new_scalar(const char *text, size_t len, bool quoted)
{
    struct yamldoc_node *n = new_node(YAMLDOC_SCALAR);
    if (!n)
        return NULL;
    n->text = malloc(len + 1);
    if (!n->text) {
        free(n);
        return NULL;
    }
    if (len)
        memcpy(n->text, text, len);
    n->text[len] = '\0';
    n->len = len;
    n->quoted = quoted;
    return n;
}

struct yamldoc_node *yamldoc_new_sequence(void)
{
    return new_node(YAMLDOC_SEQUENCE);
}

struct yamldoc_node *yamldoc_new_mapping(void)
{
    return new_node(YAMLDOC_MAPPING);
}

void yamldoc_free(struct yamldoc_node *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->count; i++) {
        if (node->kind == YAMLDOC_SEQUENCE) {
            yamldoc_free(node->items[i]);
        } else {
            yamldoc_free(node->pairs[i].key);
            yamldoc_free(node->pairs[i].value);
        }
    }
    free(node->items);
    free(node->pairs);
    free(node->text);
    free(node);
}

/* Make room for one more item or pair. */
static int grow(struct yamldoc_node *n)
{
    if (n->count < n->capacity)
        return 0;
    size_t cap = n->capacity ? n->capacity * 2 : INITIAL_CAPACITY;
    if (n->kind == YAMLDOC_SEQUENCE) {
        struct yamldoc_node **items = realloc(n->items, cap * sizeof *items);
        if (!items)
            return -1;
        n->items = items;
    } else {
        struct yamldoc_pair *pairs = realloc(n->pairs, cap * sizeof *pairs);
        if (!pairs)
            return -1;
        n->pairs = pairs;
    }
    n->capacity = cap;
    return 0;
}

int yamldoc_append(struct yamldoc_node *seq, struct yamldoc_node *item)
{
    if (grow(seq) != 0)
        return -1;
    seq->items[seq->count++] = item;
    return 0;
}

/* Append a pair without looking for an existing key; takes both nodes. */
int yamldoc_append_pair(struct yamldoc_node *map, struct yamldoc_node *key,
                        struct yamldoc_node *value)
{
    if (grow(map) != 0)
        return -1;
    map->pairs[map->count].key = key;
    map->pairs[map->count].value = value;
    map->count++;
    return 0;
}

static struct yamldoc_pair *find_pair(const struct yamldoc_node *map, const char *key,
                                      size_t len)
{
    if (!map || map->kind != YAMLDOC_MAPPING)
        return NULL;
    for (size_t i = 0; i < map->count; i++) {
        const struct yamldoc_node *k = map->pairs[i].key;
        if (k->kind == YAMLDOC_SCALAR && k->len == len && memcmp(k->text, key, len) == 0)
            return &map->pairs[i];
    }
    return NULL;
}

int yamldoc_set(struct yamldoc_node *map, const char *key, struct yamldoc_node *value)
{
    struct yamldoc_pair *p = find_pair(map, key, strlen(key));
    if (p) {
        yamldoc_free(p->value);
        p->value = value;
        return 0;
    }
    struct yamldoc_node *k = yamldoc_new_scalar(key, strlen(key), false);
    if (!k || yamldoc_append_pair(map, k, value) != 0) {
        yamldoc_free(k);
        return -1;
    }
    return 0;
}

struct yamldoc_node *yamldoc_get(const struct yamldoc_node *map, const char *key)
{
    struct yamldoc_pair *p = find_pair(map, key, strlen(key));
    return p ? p->value : NULL;
}

struct yamldoc_node *yamldoc_path(const struct yamldoc_node *node, const char *path)
{
    struct yamldoc_node *cur = (struct yamldoc_node *)node;
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        struct yamldoc_pair *pair = find_pair(cur, p, len);
        cur = pair ? pair->value : NULL;
        p += len + (dot != NULL);
    }
    return cur;
}

struct yamldoc_node *yamldoc_clone(const struct yamldoc_node *node)
{
    struct yamldoc_node *c = node->kind == YAMLDOC_SCALAR
                                 ? yamldoc_new_scalar(node->text, node->len, node->quoted)
                                 : new_node(node->kind);
    if (!c)
        return NULL;
    c->line = node->line;
    c->column = node->column;
    for (size_t i = 0; i < node->count; i++) {
        if (node->kind == YAMLDOC_SEQUENCE) {
            struct yamldoc_node *item = yamldoc_clone(node->items[i]);
            if (!item || yamldoc_append(c, item) != 0) {
                yamldoc_free(item);
                goto fail;
            }
        } else {
            struct yamldoc_node *k = yamldoc_clone(node->pairs[i].key);
            struct yamldoc_node *v = k ? yamldoc_clone(node->pairs[i].value) : NULL;
            if (!v || yamldoc_append_pair(c, k, v) != 0) {
                yamldoc_free(k);
                yamldoc_free(v);
                goto fail;
            }
        }
    }
    return c;
fail:
    yamldoc_free(c);
    return NULL;
}

const char *yamldoc_kind_name(enum yamldoc_kind kind)
{
    switch (kind) {
    case YAMLDOC_SCALAR:
        return "scalar";
    case YAMLDOC_SEQUENCE:
        return "sequence";
    case YAMLDOC_MAPPING:
        return "mapping";
    }
    return "?";
}
