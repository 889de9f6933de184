/* tz.c — zones loaded from TZif files (RFC 8536), cached, and looked up.
 *
 * A zone is its table of transitions (the 64-bit, version 2+ data) plus the
 * POSIX TZ footer that governs every instant after the last transition, so
 * offsets are exact for any year, not only up to 2037.  Zones are immutable
 * once loaded; the cache hands out the same object for the same name.
 */
#include "tz.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fs.h"
#include "tz_names.h"
#include "tz_rule.h"

#define TZ_NAME_MAX 128
#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZ_LOCALTIME "/etc/localtime"
#define TZ_FILE_MAX (256 * 1024) /* the largest TZif files are ~10 KiB */
#define TZIF_HEADER_LEN 44
#define TZIF_TTINFO_LEN 6
/* Offsets are within +-26 h (RFC 8536 recommends -89999..93599 s); the
 * bound lets tz_resolve_local start its search before any reading of a
 * local time. */
#define TZ_OFFSET_LIMIT (26 * 3600)
/* Beyond this instant (about year 100000) footer rules are not evaluated,
 * which keeps calendar arithmetic far from integer overflow. */
#define TZ_RULE_HORIZON INT64_C(3000000000000)

struct tz_type {
    int32_t off;
    uint8_t abbr; /* index into abbrs */
};

struct tz {
    struct tz *next; /* cache list */
    char name[TZ_NAME_MAX];
    size_t ntrans, ntypes, nabbrs;
    int64_t *trans;      /* ascending transition instants */
    uint8_t *trans_type; /* type index in force from trans[i] */
    struct tz_type *types;
    char *abbrs;   /* NUL-terminated abbreviations, back to back */
    bool has_rule; /* the footer governs after the last transition */
    struct tz_rule rule;
};

struct reader {
    const uint8_t *p;
    size_t left;
};

static struct tz *cache;
static const struct tz *system_zone;

static const uint8_t *take(struct reader *r, size_t n)
{
    const uint8_t *p = r->p;
    if (n > r->left)
        return NULL;
    r->p += n;
    r->left -= n;
    return p;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static void zone_free(struct tz *z)
{
    if (!z)
        return;
    free(z->trans);
    free(z->trans_type);
    free(z->types);
    free(z->abbrs);
    free(z);
}

/* The six counts of a TZif header, in file order. */
enum { CNT_ISUT, CNT_ISSTD, CNT_LEAP, CNT_TIME, CNT_TYPE, CNT_CHAR, CNT_N };

static bool read_header(struct reader *r, uint32_t cnt[CNT_N], char *version)
{
    const uint8_t *h = take(r, TZIF_HEADER_LEN);
    if (!h || memcmp(h, "TZif", 4) != 0)
        return false;
    *version = (char)h[4];
    for (int i = 0; i < CNT_N; i++)
        cnt[i] = be32(h + 20 + 4 * i);
    return true;
}

/* Size of a data block whose transition times take `time_len` bytes. */
static size_t block_len(const uint32_t cnt[CNT_N], size_t time_len)
{
    return cnt[CNT_TIME] * (time_len + 1) + cnt[CNT_TYPE] * TZIF_TTINFO_LEN + cnt[CNT_CHAR] +
           cnt[CNT_LEAP] * (time_len + 4) + cnt[CNT_ISSTD] + cnt[CNT_ISUT];
}

/* Fills z from the version 2+ part of a TZif file; NULL or what is wrong. */
static const char *parse_tzif(const uint8_t *data, size_t len, struct tz *z)
{
    struct reader r = {data, len};
    uint32_t cnt[CNT_N];
    const uint8_t *block, *footer, *eol;
    char version;

    if (!read_header(&r, cnt, &version))
        return "not a TZif file";
    if (version < '2')
        return "TZif version 1 (32-bit data) is not supported";
    if (!take(&r, block_len(cnt, 4)) || !read_header(&r, cnt, &version))
        return "truncated TZif file";
    if (cnt[CNT_TYPE] == 0 || cnt[CNT_CHAR] == 0 || !(block = take(&r, block_len(cnt, 8))))
        return "truncated or empty TZif data";

    z->ntrans = cnt[CNT_TIME];
    z->ntypes = cnt[CNT_TYPE];
    z->nabbrs = cnt[CNT_CHAR];
    z->trans = calloc(z->ntrans + 1, sizeof *z->trans);
    z->trans_type = calloc(z->ntrans + 1, 1);
    z->types = calloc(z->ntypes, sizeof *z->types);
    z->abbrs = malloc(z->nabbrs);
    if (!z->trans || !z->trans_type || !z->types || !z->abbrs)
        return "out of memory";
    for (size_t i = 0; i < z->ntrans; i++) {
        z->trans[i] = be64(block + 8 * i);
        z->trans_type[i] = block[8 * z->ntrans + i];
        if (z->trans_type[i] >= z->ntypes || (i > 0 && z->trans[i] <= z->trans[i - 1]))
            return "bad transition table";
    }
    block += 9 * z->ntrans;
    for (size_t i = 0; i < z->ntypes; i++, block += TZIF_TTINFO_LEN) {
        z->types[i].off = (int32_t)be32(block);
        z->types[i].abbr = block[5];
        if (z->types[i].off <= -TZ_OFFSET_LIMIT || z->types[i].off >= TZ_OFFSET_LIMIT ||
            block[5] >= z->nabbrs)
            return "bad local time type";
    }
    memcpy(z->abbrs, block, z->nabbrs);
    if (z->abbrs[z->nabbrs - 1] != '\0')
        return "bad abbreviation table";

    /* The footer: "\n" TZ-string "\n"; an empty string means none. */
    if (!(footer = take(&r, 1)) || *footer != '\n' || !(eol = memchr(r.p, '\n', r.left)))
        return "missing TZif footer";
    if (eol > r.p) {
        char text[TZ_NAME_MAX];
        size_t n = (size_t)(eol - r.p);
        if (n >= sizeof text)
            return "TZif footer too long";
        memcpy(text, r.p, n);
        text[n] = '\0';
        if (tz_rule_parse(text, &z->rule) < 0)
            return "bad TZif footer";
        z->has_rule = true;
    }
    return NULL;
}

/* Reads a whole (small) file; -1 with errno set on failure. */
/* A zone file is read only when it is a regular file (fs_open_regular),
 * so a FIFO or a device named like a zone cannot stall the daemon. */
static int read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    FILE *f = fs_open_regular(path);
    int rc = -1;

    if (!f)
        return -1;
    *len = fread(buf, 1, cap, f);
    if (ferror(f))
        errno = EIO;
    else if (*len == cap)
        errno = EFBIG;
    else
        rc = 0;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

static struct tz *zone_new(const char *name)
{
    struct tz *z = calloc(1, sizeof *z);
    if (z)
        snprintf(z->name, sizeof z->name, "%s", name);
    return z;
}

static struct tz *zone_load(const char *name, char *err, size_t errlen)
{
    const char *dir = getenv("TZDIR");
    char path[PATH_MAX];
    uint8_t *buf = NULL;
    struct tz *z = NULL;
    const char *why;
    size_t len;
    int n;

    if (!dir || !*dir)
        dir = TZ_DEFAULT_DIR;
    n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        snprintf(err, errlen, "time zone name '%s' is too long", name);
        goto fail;
    }
    if (!(buf = malloc(TZ_FILE_MAX)) || !(z = zone_new(name))) {
        snprintf(err, errlen, "time zone '%s': out of memory", name);
        goto fail;
    }
    if (read_file(path, buf, TZ_FILE_MAX, &len) < 0) {
        char near[TZ_NAME_MAX];
        if (errno == ENOENT && tz_names_suggest(dir, name, near, sizeof near))
            snprintf(err, errlen, "unknown time zone '%s' (did you mean '%s'?)", name, near);
        else
            snprintf(err, errlen, "unknown time zone '%s' (%s: %s)", name, path,
                     fs_strerror(errno));
        goto fail;
    }
    if ((why = parse_tzif(buf, len, z)) != NULL) {
        snprintf(err, errlen, "time zone '%s' (%s): %s", name, path, why);
        goto fail;
    }
    free(buf);
    return z;
fail:
    zone_free(z);
    free(buf);
    return NULL;
}

/* A zone made of a POSIX TZ string alone (no transition table). */
static struct tz *zone_from_rule(const char *name, const char *text)
{
    struct tz *z;
    struct tz_rule rule;

    if (strlen(name) >= TZ_NAME_MAX || tz_rule_parse(text, &rule) < 0 || !(z = zone_new(name)))
        return NULL;
    z->rule = rule;
    z->has_rule = true;
    return z;
}

static const struct tz *cache_find(const char *name)
{
    for (const struct tz *z = cache; z; z = z->next)
        if (strcmp(z->name, name) == 0)
            return z;
    return NULL;
}

static const struct tz *cache_add(struct tz *z)
{
    z->next = cache;
    cache = z;
    return z;
}

const struct tz *tz_get(const char *name, char *err, size_t errlen)
{
    const struct tz *found;
    struct tz *z;

    if (!name || !*name || name[0] == '/' || strstr(name, "..") ||
        strlen(name) >= TZ_NAME_MAX) {
        snprintf(err, errlen, "bad time zone name '%s'", name ? name : "(null)");
        return NULL;
    }
    if ((found = cache_find(name)) != NULL)
        return found;
    z = zone_load(name, err, errlen);
    /* UTC must work even on a system without tzdata. */
    if (!z && strcmp(name, "UTC") == 0)
        z = zone_from_rule(name, "UTC0");
    return z ? cache_add(z) : NULL;
}

/* "Europe/Berlin" from ".../zoneinfo/Europe/Berlin", or NULL. */
static const char *zoneinfo_suffix(const char *path)
{
    static const char marker[] = "zoneinfo/";
    const char *at = strstr(path, marker);
    return at ? at + sizeof marker - 1 : NULL;
}

static const struct tz *zone_from_env(const char *env)
{
    char err[TZ_ERR_MAX];
    const char *name = env[0] == ':' ? env + 1 : env;
    const struct tz *z;
    struct tz *made;

    if (name[0] == '/')
        name = zoneinfo_suffix(name);
    if (name && (z = tz_get(name, err, sizeof err)) != NULL)
        return z;
    if (env[0] == ':')
        return NULL;
    if ((z = cache_find(env)) != NULL)
        return z;
    made = zone_from_rule(env, env);
    return made ? cache_add(made) : NULL;
}

const struct tz *tz_system(void)
{
    char err[TZ_ERR_MAX];
    char link[PATH_MAX];
    const char *env = getenv("TZ");
    const char *name;
    ssize_t n;

    if (system_zone)
        return system_zone;
    if (env && *env)
        system_zone = zone_from_env(env);
    if (!system_zone && (!env || !*env) &&
        (n = readlink(TZ_LOCALTIME, link, sizeof link - 1)) > 0) {
        link[n] = '\0';
        if ((name = zoneinfo_suffix(link)) != NULL)
            system_zone = tz_get(name, err, sizeof err);
    }
    if (!system_zone)
        system_zone = tz_get("UTC", err, sizeof err);
    return system_zone;
}

const char *tz_name(const struct tz *zone)
{
    return zone->name;
}

/* The offset at t, its abbreviation, and the next transition after t. */
static int32_t zone_lookup(const struct tz *z, int64_t t, int64_t *next, const char **abbr)
{
    size_t lo = 0, hi = z->ntrans;
    const struct tz_type *type;

    if (z->has_rule && (z->ntrans == 0 || t >= z->trans[z->ntrans - 1])) {
        if (t <= TZ_RULE_HORIZON)
            return tz_rule_lookup(&z->rule, t, next, abbr);
        int32_t off = tz_rule_lookup(&z->rule, TZ_RULE_HORIZON, next, abbr);
        *next = INT64_MAX;
        return off;
    }
    if (z->ntrans == 0 || t < z->trans[0]) {
        /* Before the first transition, type 0 applies (RFC 8536 3.2). */
        type = &z->types[0];
        *next = z->ntrans ? z->trans[0] : INT64_MAX;
    } else {
        while (hi - lo > 1) { /* invariant: trans[lo] <= t < trans[hi] */
            size_t mid = lo + (hi - lo) / 2;
            if (z->trans[mid] <= t)
                lo = mid;
            else
                hi = mid;
        }
        type = &z->types[z->trans_type[lo]];
        *next = lo + 1 < z->ntrans ? z->trans[lo + 1] : INT64_MAX;
    }
    *abbr = z->abbrs + type->abbr;
    return type->off;
}

int32_t tz_offset_span(const struct tz *zone, int64_t t, int64_t *until)
{
    const char *abbr;
    return zone_lookup(zone, t, until, &abbr);
}

int32_t tz_offset_at(const struct tz *zone, int64_t t)
{
    int64_t until;
    return tz_offset_span(zone, t, &until);
}

const char *tz_abbrev_at(const struct tz *zone, int64_t t)
{
    const char *abbr;
    int64_t until;
    zone_lookup(zone, t, &until, &abbr);
    return abbr;
}

int64_t tz_next_transition(const struct tz *zone, int64_t t)
{
    int64_t next, after;
    int32_t off = tz_offset_span(zone, t, &next);

    /* Skip transitions that change only the abbreviation or DST flag.  The
     * loop ends: the table is finite and footer transitions always change
     * the offset (tz_rule folds rules that would not). */
    while (next != INT64_MAX && tz_offset_span(zone, next, &after) == off)
        next = after;
    return next;
}

int64_t tz_resolve_local(const struct tz *zone, int64_t local)
{
    /* Walk the offset segments from an instant earlier than any reading of
     * `local`: the first segment whose offset maps `local` into itself holds
     * its first occurrence; if `local` maps before the start of a segment,
     * it fell into the gap that this segment's start closes. */
    int64_t t = local - TZ_OFFSET_LIMIT;

    for (;;) {
        int64_t until;
        int64_t cand = local - tz_offset_span(zone, t, &until);
        if (cand < t)
            return t;
        if (cand < until)
            return cand;
        t = until;
    }
}

void tz_cache_clear(void)
{
    while (cache) {
        struct tz *z = cache;
        cache = z->next;
        zone_free(z);
    }
    system_zone = NULL;
}
