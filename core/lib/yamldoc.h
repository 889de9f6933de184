/* yamldoc.h — a YAML document as a plain tree, read and written by libyaml.
 *
 * The module is named yamldoc, not yaml: libyaml's own header is <yaml.h>
 * (which a lib/yaml.h would shadow for the files beside it) and libyaml exports
 * yaml_free, yaml_malloc, yaml_strdup, so those names are taken.
 *
 * A tree is made of nodes: scalars (text), sequences (items) and mappings
 * (key/value pairs in file order).  Nodes read from a file carry their
 * 1-based line and column; nodes built in memory have line 0.  Anchors and
 * aliases are resolved at load time: an alias becomes a deep copy of its
 * anchor, so every tree is a plain tree with one owner; against a "billion
 * laughs" the copies are bounded (YAMLDOC_COPY_FREE, YAMLDOC_COPY_RATIO)
 * and measured before they are made.  YAML 1.1 merge keys
 * (`<<: *base`) are applied, explicit keys winning.  A duplicate key in a
 * mapping is a load error.  Only the first document of a stream is read.
 *
 * Scalars keep their text; yamldoc_scalar_value() types them with the YAML
 * 1.1 core rules.  Quoted, literal, folded and `!!str` scalars are strings.
 */
#ifndef YAMLDOC_H
#define YAMLDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YAMLDOC_ERR_MAX 512
#define YAMLDOC_MAX_NODES 1000000 /* after alias expansion */
/* A document's copies of anchored nodes (one per alias, one per anchor) may
 * take this many bytes, plus YAMLDOC_COPY_RATIO times what the nodes it
 * spells out take: thousands of `<<: *defaults` load, a billion laughs is
 * refused after a few megabytes. */
#define YAMLDOC_COPY_FREE (4u << 20)
#define YAMLDOC_COPY_RATIO 16
#define YAMLDOC_MAX_DEPTH 256

enum yamldoc_kind { YAMLDOC_SCALAR, YAMLDOC_SEQUENCE, YAMLDOC_MAPPING };

/* The type of a scalar under YAML 1.1 core typing. */
enum yamldoc_type {
    YAMLDOC_NULL,   /* ~, null, Null, NULL, or empty */
    YAMLDOC_BOOL,   /* true/false, yes/no, on/off (any of 3 casings) */
    YAMLDOC_INT,    /* 42, -7, +3, 0x1F, 0o17, 017, 1_000 */
    YAMLDOC_FLOAT,  /* 1.5, -2e3, .inf, -.Inf, .nan */
    YAMLDOC_STRING, /* everything else, and every quoted scalar */
};

struct yamldoc_value {
    enum yamldoc_type type;
    bool boolean;    /* YAMLDOC_BOOL */
    int64_t integer; /* YAMLDOC_INT */
    double number;   /* YAMLDOC_FLOAT, and YAMLDOC_INT as a double */
};

struct yamldoc_pair;

struct yamldoc_node {
    enum yamldoc_kind kind;
    int line, column; /* 1-based; 0 when built in memory */

    /* YAMLDOC_SCALAR: NUL-terminated text (len excludes the NUL; the text
     * may hold NULs written as "\0" escapes).  `quoted` means "always a
     * string" whatever the text looks like. */
    char *text;
    size_t len;
    bool quoted;

    /* YAMLDOC_SEQUENCE: items[0..count); YAMLDOC_MAPPING: pairs[0..count). */
    struct yamldoc_node **items;
    struct yamldoc_pair *pairs;
    size_t count, capacity;
};

struct yamldoc_pair {
    struct yamldoc_node *key, *value;
};

/* Parse a file / a string.  Returns the root node (a null scalar for an
 * empty document), or NULL with "name:line:column: message" in err.  `name`
 * is the file name used in messages.  The caller frees with yamldoc_free. */
struct yamldoc_node *yamldoc_load_file(const char *path, char *err, size_t errlen);
struct yamldoc_node *yamldoc_load_string(const char *text, size_t len, const char *name,
                                         char *err, size_t errlen);

/* Free a node and everything under it.  NULL is fine. */
void yamldoc_free(struct yamldoc_node *node);

/* A deep copy (positions kept), or NULL when out of memory. */
struct yamldoc_node *yamldoc_clone(const struct yamldoc_node *node);

/* Type a scalar node (YAML 1.1 core rules; quoted → string).  A non-scalar
 * node gives YAMLDOC_STRING with no value. */
struct yamldoc_value yamldoc_scalar_value(const struct yamldoc_node *node);

/* Type plain (unquoted) scalar text with the same rules; used for values
 * that come from elsewhere, e.g. environment variables. */
struct yamldoc_value yamldoc_type_text(const char *text);

/* The value under scalar key `key` in a mapping, or NULL (also when `map`
 * is NULL or not a mapping). */
struct yamldoc_node *yamldoc_get(const struct yamldoc_node *map, const char *key);

/* Walk a dotted path of mapping keys ("a.b.c") from `node`; NULL when any
 * step is missing.  An empty path returns `node`. */
struct yamldoc_node *yamldoc_path(const struct yamldoc_node *node, const char *path);

/* "scalar", "sequence" or "mapping", for messages. */
const char *yamldoc_kind_name(enum yamldoc_kind kind);

/* Building trees in memory (for config.save and overrides).  Constructors
 * return NULL when out of memory; text is copied. */
struct yamldoc_node *yamldoc_new_scalar(const char *text, size_t len, bool quoted);
struct yamldoc_node *yamldoc_new_sequence(void);
struct yamldoc_node *yamldoc_new_mapping(void);

/* Append `item` to a sequence; the sequence takes ownership.  -1 on OOM
 * (item is then still the caller's). */
int yamldoc_append(struct yamldoc_node *seq, struct yamldoc_node *item);

/* Append a key/value pair to a mapping without looking for an existing
 * key (the loader checks duplicates itself); the mapping takes both nodes.
 * -1 on OOM (both are then still the caller's). */
int yamldoc_append_pair(struct yamldoc_node *map, struct yamldoc_node *key,
                        struct yamldoc_node *value);

/* Set map[key] = value, replacing (and freeing) an existing value or
 * appending a new pair; the mapping takes ownership of value.  -1 on OOM
 * (value is then still the caller's). */
int yamldoc_set(struct yamldoc_node *map, const char *key, struct yamldoc_node *value);

/* Write a tree as a YAML document to `path`, atomically (a temporary file
 * renamed over it); a file replaced keeps its mode, a new one is made 0600.
 * Strings that would read back as another type are quoted.  0, or -1 with
 * a message in err. */
int yamldoc_emit_file(const struct yamldoc_node *root, const char *path, char *err,
                      size_t errlen);

#endif
