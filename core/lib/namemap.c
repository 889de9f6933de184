/* namemap.c — separate chaining, doubled when it holds one key per bucket
 * (namemap.h). */
#include "namemap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NAMEMAP_FIRST_BUCKETS 64

struct namemap_slot {
    struct namemap_slot *next;
    void *value;
    char key[]; /* NUL-terminated */
};

/* FNV-1a: short keys, no adversary able to choose collisions that matter
 * (task names are the user's own files). */
static uint64_t hash_of(const char *key)
{
    uint64_t h = 14695981039346656037ULL;

    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

static struct namemap_slot **bucket_of(const struct namemap *m, const char *key)
{
    return &m->buckets[hash_of(key) & (m->bucket_count - 1)];
}

void *namemap_get(const struct namemap *m, const char *key)
{
    if (!m->bucket_count)
        return NULL;
    for (const struct namemap_slot *s = *bucket_of(m, key); s; s = s->next)
        if (strcmp(s->key, key) == 0)
            return s->value;
    return NULL;
}

/* Twice the buckets, every slot moved over.  -1 when out of memory. */
static int grow(struct namemap *m)
{
    size_t count = m->bucket_count ? 2 * m->bucket_count : NAMEMAP_FIRST_BUCKETS;
    struct namemap_slot **buckets = calloc(count, sizeof *buckets);
    struct namemap old = *m;

    if (!buckets)
        return -1;
    m->buckets = buckets;
    m->bucket_count = count;
    for (size_t i = 0; i < old.bucket_count; i++) {
        struct namemap_slot *s = old.buckets[i], *next;
        for (; s; s = next) {
            struct namemap_slot **b = bucket_of(m, s->key);
            next = s->next;
            s->next = *b;
            *b = s;
        }
    }
    free(old.buckets);
    return 0;
}

int namemap_put(struct namemap *m, const char *key, void *value)
{
    struct namemap_slot *s;
    size_t len = strlen(key);

    if (m->bucket_count)
        for (s = *bucket_of(m, key); s; s = s->next)
            if (strcmp(s->key, key) == 0) {
                s->value = value;
                return 0;
            }
    if (m->count >= m->bucket_count && grow(m) != 0)
        return -1;
    if (!(s = malloc(sizeof *s + len + 1)))
        return -1;
    memcpy(s->key, key, len + 1);
    s->value = value;
    s->next = *bucket_of(m, key);
    *bucket_of(m, key) = s;
    m->count++;
    return 0;
}

void namemap_remove(struct namemap *m, const char *key)
{
    if (!m->bucket_count)
        return;
    for (struct namemap_slot **link = bucket_of(m, key); *link; link = &(*link)->next) {
        struct namemap_slot *s = *link;
        if (strcmp(s->key, key) == 0) {
            *link = s->next;
            free(s);
            m->count--;
            return;
        }
    }
}

void namemap_free(struct namemap *m)
{
    for (size_t i = 0; i < m->bucket_count; i++) {
        struct namemap_slot *s = m->buckets[i], *next;
        for (; s; s = next) {
            next = s->next;
            free(s);
        }
    }
    free(m->buckets);
    memset(m, 0, sizeof *m);
}
