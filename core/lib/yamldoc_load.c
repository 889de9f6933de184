/* yamldoc_load.c — libyaml's event stream turned into a yamldoc tree.
 *
 * We read events rather than libyaml's document API because the document
 * API tags every untagged scalar as !!str, losing the difference between
 * `!!str 10` and `10`, and shares aliased nodes, which would make the tree
 * a graph.  Here an alias becomes a copy of the anchored node, so the tree
 * has one owner; anchors keep their own copy because a merge key takes the
 * pairs of the node it was read from.
 *
 * Copies are what a "billion laughs" multiplies: nine aliases of nine
 * aliases of … grow a few hundred bytes into gigabytes.  Every copy is
 * measured before it is made, and refused (file:line) once the copies of a
 * document would pass YAMLDOC_COPY_FREE plus YAMLDOC_COPY_RATIO times what
 * its own nodes take: a refused document has cost a few megabytes, not the
 * hundreds that YAMLDOC_MAX_NODES alone allowed.
 */
#include "fs.h"
#include "yamldoc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#define STR_TAG "tag:yaml.org,2002:str"
#define MERGE_KEY "<<"

struct anchor {
    char *name;
    struct yamldoc_node *node; /* owned copy */
};

struct loader {
    yaml_parser_t parser;
    const char *name; /* file name for messages */
    struct anchor *anchors;
    size_t anchor_count, anchor_capacity;
    size_t nodes;        /* created so far, aliases expanded */
    size_t own_bytes;    /* taken by the nodes the document spells out */
    size_t copied_bytes; /* taken by copies of anchored nodes */
    char *err;
    size_t errlen;
};

/* The memory a tree takes, about: its nodes, texts and child arrays. */
struct tree_size {
    size_t nodes, bytes;
};

static void fail_at(struct loader *ld, const yaml_mark_t *mark, const char *fmt, ...)
{
    int n = snprintf(ld->err, ld->errlen, "%s:%zu:%zu: ", ld->name, mark->line + 1,
                     mark->column + 1);
    if (n < 0 || (size_t)n >= ld->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static void fail_parser(struct loader *ld)
{
    const yaml_parser_t *p = &ld->parser;
    if (p->error == YAML_MEMORY_ERROR) {
        snprintf(ld->err, ld->errlen, "%s: out of memory", ld->name);
    } else if (p->context) {
        fail_at(ld, &p->problem_mark, "%s (%s at line %zu)", p->problem, p->context,
                p->context_mark.line + 1);
    } else {
        fail_at(ld, &p->problem_mark, "%s", p->problem ? p->problem : "cannot read YAML");
    }
}

static int next_event(struct loader *ld, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&ld->parser, ev)) {
        fail_parser(ld);
        return -1;
    }
    return 0;
}

static size_t node_bytes(const struct yamldoc_node *n)
{
    size_t slots = n->kind == YAMLDOC_SEQUENCE  ? sizeof *n->items
                   : n->kind == YAMLDOC_MAPPING ? sizeof *n->pairs
                                                : 0;

    return sizeof *n + (n->text ? n->len + 1 : 0) + n->capacity * slots;
}

static void measure(const struct yamldoc_node *n, struct tree_size *size)
{
    size->nodes++;
    size->bytes += node_bytes(n);
    for (size_t i = 0; i < n->count; i++) {
        if (n->kind == YAMLDOC_SEQUENCE) {
            measure(n->items[i], size);
        } else {
            measure(n->pairs[i].key, size);
            measure(n->pairs[i].value, size);
        }
    }
}

/* Count `n` new nodes against YAMLDOC_MAX_NODES. */
static int add_nodes(struct loader *ld, size_t n, const yaml_mark_t *mark)
{
    ld->nodes += n;
    if (ld->nodes > YAMLDOC_MAX_NODES) {
        fail_at(ld, mark,
                "document too large (more than %d nodes after "
                "expanding aliases)",
                YAMLDOC_MAX_NODES);
        return -1;
    }
    return 0;
}

/* Count a copy of `node` before it is made (see the top of the file). */
static int add_copy(struct loader *ld, const struct yamldoc_node *node, const yaml_mark_t *mark)
{
    struct tree_size size = {0, 0};
    size_t allowed = YAMLDOC_COPY_FREE + YAMLDOC_COPY_RATIO * ld->own_bytes;

    measure(node, &size);
    if (size.bytes > allowed - ld->copied_bytes) {
        fail_at(ld, mark,
                "document too large: its aliases would copy more "
                "than %zu bytes (%d times its own %zu, plus %u)",
                allowed, YAMLDOC_COPY_RATIO, ld->own_bytes, YAMLDOC_COPY_FREE);
        return -1;
    }
    ld->copied_bytes += size.bytes;
    return add_nodes(ld, size.nodes, mark);
}

static void set_position(struct yamldoc_node *n, const yaml_mark_t *mark)
{
    n->line = (int)mark->line + 1;
    n->column = (int)mark->column + 1;
}

/* Keep a copy of an anchored node; -1 with the message in ld->err. */
static int register_anchor(struct loader *ld, const char *name, const struct yamldoc_node *node,
                           const yaml_mark_t *mark)
{
    if (add_copy(ld, node, mark) != 0)
        return -1;
    if (ld->anchor_count == ld->anchor_capacity) {
        size_t cap = ld->anchor_capacity ? ld->anchor_capacity * 2 : 8;
        struct anchor *a = realloc(ld->anchors, cap * sizeof *a);
        if (!a)
            goto oom;
        ld->anchors = a;
        ld->anchor_capacity = cap;
    }
    struct anchor *a = &ld->anchors[ld->anchor_count];
    a->name = strdup(name);
    a->node = yamldoc_clone(node);
    if (!a->name || !a->node) {
        free(a->name);
        yamldoc_free(a->node);
        goto oom;
    }
    ld->anchor_count++;
    return 0;
oom:
    snprintf(ld->err, ld->errlen, "%s: out of memory", ld->name);
    return -1;
}

/* The latest anchor of that name wins: YAML allows redefining one. */
static const struct yamldoc_node *find_anchor(const struct loader *ld, const char *name)
{
    for (size_t i = ld->anchor_count; i > 0; i--)
        if (strcmp(ld->anchors[i - 1].name, name) == 0)
            return ld->anchors[i - 1].node;
    return NULL;
}

static bool is_merge_key(const struct yamldoc_node *key)
{
    return key->kind == YAMLDOC_SCALAR && !key->quoted && strcmp(key->text, MERGE_KEY) == 0;
}

static bool has_key(const struct yamldoc_node *map, const struct yamldoc_node *key)
{
    if (key->kind != YAMLDOC_SCALAR)
        return false;
    for (size_t i = 0; i < map->count; i++) {
        const struct yamldoc_node *k = map->pairs[i].key;
        if (k->kind == YAMLDOC_SCALAR && k->len == key->len &&
            memcmp(k->text, key->text, key->len) == 0)
            return true;
    }
    return false;
}

/* Move into `map` the pairs of `src` whose keys it does not have yet: src
 * is the value of a merge key, freed once merged, and owns its nodes (an
 * anchor has its own copy), so they need no copy. */
static int merge_from(struct loader *ld, struct yamldoc_node *map, struct yamldoc_node *src)
{
    for (size_t i = 0; i < src->count; i++) {
        struct yamldoc_pair *p = &src->pairs[i];
        if (has_key(map, p->key))
            continue;
        if (yamldoc_append_pair(map, p->key, p->value) != 0) {
            snprintf(ld->err, ld->errlen, "%s: out of memory", ld->name);
            return -1;
        }
        p->key = p->value = NULL;
    }
    return 0;
}

/* Apply YAML 1.1 merge keys: `<<: *a` or `<<: [*a, *b]`.  Explicit keys
 * win over merged ones, earlier merged mappings over later ones, which is
 * what checking has_key before each copy gives. */
static int apply_merges(struct loader *ld, struct yamldoc_node *map)
{
    size_t explicit_count = map->count;
    for (size_t i = 0; i < explicit_count; i++) {
        const struct yamldoc_pair p = map->pairs[i];
        if (!is_merge_key(p.key))
            continue;
        if (p.value->kind == YAMLDOC_MAPPING) {
            if (merge_from(ld, map, p.value) != 0)
                return -1;
            continue;
        }
        bool ok = p.value->kind == YAMLDOC_SEQUENCE;
        for (size_t j = 0; ok && j < p.value->count; j++)
            ok = p.value->items[j]->kind == YAMLDOC_MAPPING;
        if (!ok) {
            yaml_mark_t mark = {.line = (size_t)p.value->line - 1,
                                .column = (size_t)p.value->column - 1};
            fail_at(ld, &mark,
                    "merge key '<<' needs a mapping or a list "
                    "of mappings");
            return -1;
        }
        for (size_t j = 0; j < p.value->count; j++)
            if (merge_from(ld, map, p.value->items[j]) != 0)
                return -1;
    }
    size_t kept = 0;
    for (size_t i = 0; i < map->count; i++) {
        if (i < explicit_count && is_merge_key(map->pairs[i].key)) {
            yamldoc_free(map->pairs[i].key);
            yamldoc_free(map->pairs[i].value);
        } else {
            map->pairs[kept++] = map->pairs[i];
        }
    }
    map->count = kept;
    return 0;
}

static struct yamldoc_node *load_node(struct loader *ld, const yaml_event_t *ev, int depth);

/* Add one child (a sequence item, or a key and its value) to `parent`;
 * takes both nodes. */
static int add_child(struct loader *ld, struct yamldoc_node *parent, struct yamldoc_node *key,
                     struct yamldoc_node *value, const yaml_mark_t *key_mark)
{
    if (parent->kind == YAMLDOC_MAPPING && !is_merge_key(key) && has_key(parent, key)) {
        fail_at(ld, key_mark, "duplicate key '%s'", key->text);
        goto fail;
    }
    if ((parent->kind == YAMLDOC_SEQUENCE ? yamldoc_append(parent, key)
                                          : yamldoc_append_pair(parent, key, value)) != 0) {
        snprintf(ld->err, ld->errlen, "%s: out of memory", ld->name);
        goto fail;
    }
    return 0;
fail:
    yamldoc_free(key);
    yamldoc_free(value);
    return -1;
}

/* Read the next event and the node it starts. */
static struct yamldoc_node *read_node(struct loader *ld, int depth, yaml_event_type_t end,
                                      bool *ended, yaml_mark_t *mark)
{
    yaml_event_t ev;
    if (next_event(ld, &ev) != 0)
        return NULL;
    *mark = ev.start_mark;
    *ended = ev.type == end;
    struct yamldoc_node *n = *ended ? NULL : load_node(ld, &ev, depth);
    yaml_event_delete(&ev);
    return n;
}

/* Read child nodes until the closing event of `parent`. */
static int load_children(struct loader *ld, struct yamldoc_node *parent, yaml_event_type_t end,
                         int depth)
{
    for (;;) {
        bool ended = false;
        yaml_mark_t key_mark, value_mark;
        struct yamldoc_node *key = read_node(ld, depth + 1, end, &ended, &key_mark);
        if (ended)
            return 0;
        if (!key)
            return -1;
        struct yamldoc_node *value = NULL;
        if (parent->kind == YAMLDOC_MAPPING) {
            /* a mapping end cannot come between a key and its value */
            value = read_node(ld, depth + 1, end, &ended, &value_mark);
            if (!value) {
                yamldoc_free(key);
                return -1;
            }
        }
        if (add_child(ld, parent, key, value, &key_mark) != 0)
            return -1;
    }
}

static struct yamldoc_node *load_scalar(const yaml_event_t *ev)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    bool quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
                  (tag && (strcmp(tag, STR_TAG) == 0 || strcmp(tag, "!") == 0));
    return yamldoc_new_scalar((const char *)ev->data.scalar.value, ev->data.scalar.length,
                              quoted);
}

static struct yamldoc_node *load_node(struct loader *ld, const yaml_event_t *ev, int depth)
{
    struct yamldoc_node *n = NULL;
    const yaml_char_t *anchor = NULL;

    if (depth > YAMLDOC_MAX_DEPTH) {
        fail_at(ld, &ev->start_mark, "nested deeper than %d levels", YAMLDOC_MAX_DEPTH);
        return NULL;
    }
    switch (ev->type) {
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        const struct yamldoc_node *target = find_anchor(ld, name);
        if (!target) {
            fail_at(ld, &ev->start_mark, "unknown alias '*%s'", name);
            return NULL;
        }
        if (add_copy(ld, target, &ev->start_mark) != 0)
            return NULL;
        n = yamldoc_clone(target);
        break;
    }
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        n = load_scalar(ev);
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        n = yamldoc_new_sequence();
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        n = yamldoc_new_mapping();
        break;
    default:
        fail_at(ld, &ev->start_mark, "unexpected YAML event");
        return NULL;
    }
    if (!n) {
        snprintf(ld->err, ld->errlen, "%s: out of memory", ld->name);
        return NULL;
    }
    if (ev->type == YAML_ALIAS_EVENT)
        return n;
    set_position(n, &ev->start_mark);
    /* Its slot in its parent counted with it; its own slots, with its children. */
    ld->own_bytes += node_bytes(n) + sizeof(struct yamldoc_pair);
    if (add_nodes(ld, 1, &ev->start_mark) != 0)
        goto fail;
    if (ev->type == YAML_SEQUENCE_START_EVENT &&
        load_children(ld, n, YAML_SEQUENCE_END_EVENT, depth) != 0)
        goto fail;
    if (ev->type == YAML_MAPPING_START_EVENT &&
        (load_children(ld, n, YAML_MAPPING_END_EVENT, depth) != 0 || apply_merges(ld, n) != 0))
        goto fail;
    if (anchor && register_anchor(ld, (const char *)anchor, n, &ev->start_mark) != 0)
        goto fail;
    return n;
fail:
    yamldoc_free(n);
    return NULL;
}

/* Skip STREAM_START and DOCUMENT_START, read the root node.  An empty
 * stream is a null scalar at 1:1. */
static struct yamldoc_node *load_document(struct loader *ld)
{
    yaml_event_t ev;
    struct yamldoc_node *root = NULL;

    do {
        if (next_event(ld, &ev) != 0)
            return NULL;
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            root = yamldoc_new_scalar("", 0, false);
            if (root)
                root->line = root->column = 1;
            else
                snprintf(ld->err, ld->errlen, "%s: out of memory", ld->name);
            return root;
        }
        if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT)
            yaml_event_delete(&ev);
        else
            break;
    } while (true);
    root = load_node(ld, &ev, 0);
    yaml_event_delete(&ev);
    return root;
}

static void loader_free(struct loader *ld)
{
    for (size_t i = 0; i < ld->anchor_count; i++) {
        free(ld->anchors[i].name);
        yamldoc_free(ld->anchors[i].node);
    }
    free(ld->anchors);
    yaml_parser_delete(&ld->parser);
}

struct yamldoc_node *yamldoc_load_string(const char *text, size_t len, const char *name,
                                         char *err, size_t errlen)
{
    struct loader ld = {.name = name, .err = err, .errlen = errlen};
    if (!yaml_parser_initialize(&ld.parser)) {
        snprintf(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    yaml_parser_set_input_string(&ld.parser, (const unsigned char *)text, len);
    struct yamldoc_node *root = load_document(&ld);
    loader_free(&ld);
    return root;
}

struct yamldoc_node *yamldoc_load_file(const char *path, char *err, size_t errlen)
{
    struct loader ld = {.name = path, .err = err, .errlen = errlen};
    FILE *f = fs_open_regular(path);
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, fs_strerror(errno));
        return NULL;
    }
    struct yamldoc_node *root = NULL;
    if (!yaml_parser_initialize(&ld.parser)) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    yaml_parser_set_input_file(&ld.parser, f);
    root = load_document(&ld);
    if (root && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        yamldoc_free(root);
        root = NULL;
    }
    loader_free(&ld);
done:
    if (fclose(f) != 0 && root) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        yamldoc_free(root);
        root = NULL;
    }
    return root;
}
