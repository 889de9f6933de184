/* namemap.h — a hash table from names (C strings) to pointers.
 *
 * For the lookups by task name that a list would make cost the number of
 * tasks each (entries by name, stored tasks by id or hash).  Keys are
 * copied; values are borrowed.  A zeroed struct is an empty map.
 */
#ifndef NAMEMAP_H
#define NAMEMAP_H

#include <stddef.h>

struct namemap_slot;

struct namemap {
    struct namemap_slot **buckets;
    size_t bucket_count; /* a power of two, or 0 before the first put */
    size_t count;
};

/* The value under `key`, or NULL. */
void *namemap_get(const struct namemap *m, const char *key);

/* Set `key` to `value` (replacing what it held).  -1 when out of memory
 * (the map is as it was). */
int namemap_put(struct namemap *m, const char *key, void *value);

/* Forget `key`, if it is there. */
void namemap_remove(struct namemap *m, const char *key);

/* Free the map's own memory (not the values); it is empty after. */
void namemap_free(struct namemap *m);

#endif
