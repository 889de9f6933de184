/* rowcache.c — a source's last good rows in data/sources/NAME.json
 * (rowcache.h), as JSON:
 *
 *   { "url": …, "table": …, "read_at": EPOCH,
 *     "rows": [ { "row": 1, "name": …, "command": …, "cron": …,
 *                 "merge_missed": true|false|null, "actuality_time": N|null,
 *                 "enabled": …, "timezone": …, "timeout": N|null,
 *                 "error": …|null }, … ] }
 */
#include "rowcache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/fs.h"

#define ROWCACHE_MODE 0600
#define ROWCACHE_DIR_MODE 0700

/* ROOT/data/sources/NAME.json[suffix]; 0, or -1 when too long. */
static int cache_path(const char *root, const char *name, const char *suffix, char *buf,
                      size_t len)
{
    int n = snprintf(buf, len, "%s/%s/%s.json%s", root, ROWCACHE_DIR_REL, name, suffix);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

static json_t *tristate_json(enum action_tristate v)
{
    return v == ACTION_NULL ? json_null() : json_boolean(v == ACTION_TRUE);
}

static json_t *row_json(const struct action_row *r)
{
    return json_pack("{s:I, s:s?, s:s?, s:s?, s:o, s:o, s:o, s:s?, s:o, s:s?}", "row",
                     (json_int_t)r->row, "name", r->name, "command", r->command, "cron",
                     r->cron, "merge_missed", tristate_json(r->merge_missed), "actuality_time",
                     r->has_actuality_time ? json_integer(r->actuality_time) : json_null(),
                     "enabled", tristate_json(r->enabled), "timezone", r->timezone, "timeout",
                     r->has_timeout ? json_integer(r->timeout) : json_null(), "error",
                     r->error);
}

static json_t *cache_json(const struct config_source *cfg, const struct action_row *rows,
                          size_t count, double read_at)
{
    json_t *list = json_array();

    for (size_t i = 0; list && i < count; i++)
        if (json_array_append_new(list, row_json(&rows[i])) < 0) {
            json_decref(list);
            return NULL;
        }
    return list ? json_pack("{s:s, s:s, s:f, s:o}", "url", cfg->url, "table", cfg->table,
                            "read_at", read_at, "rows", list)
                : NULL;
}

int rowcache_save(const char *root, const struct config_source *cfg,
                  const struct action_row *rows, size_t count, double read_at, char *err,
                  size_t errlen)
{
    char dir[PATH_MAX], tmp[PATH_MAX], file[PATH_MAX];
    json_t *doc = cache_json(cfg, rows, count, read_at);
    int fd = -1, rc = -1;

    if (!doc) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (snprintf(dir, sizeof dir, "%s/%s", root, ROWCACHE_DIR_REL) >= (int)sizeof dir ||
        cache_path(root, cfg->name, ".tmp", tmp, sizeof tmp) < 0 ||
        cache_path(root, cfg->name, "", file, sizeof file) < 0) {
        snprintf(err, errlen, "%s/%s: path too long", root, ROWCACHE_DIR_REL);
        goto done;
    }
    if (fs_mkdirs(dir, ROWCACHE_DIR_MODE, NULL, 0) != 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        goto done;
    }
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, ROWCACHE_MODE)) < 0 ||
        json_dumpfd(doc, fd, JSON_COMPACT) != 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        goto done;
    }
    if (close(fd) != 0) {
        fd = -1;
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        goto done;
    }
    fd = -1;
    if (rename(tmp, file) != 0) {
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        unlink(tmp);
    json_decref(doc);
    return rc;
}

/* A string or null member into *out (malloc'd); false when it is neither
 * or out of memory. */
static bool take_text(const json_t *obj, const char *key, char **out)
{
    const json_t *v = json_object_get(obj, key);

    if (!v || json_is_null(v))
        return true;
    return json_is_string(v) && (*out = strdup(json_string_value(v))) != NULL;
}

static bool take_tristate(const json_t *obj, const char *key, enum action_tristate *out)
{
    const json_t *v = json_object_get(obj, key);

    if (!v || json_is_null(v))
        return true;
    *out = json_is_true(v) ? ACTION_TRUE : ACTION_FALSE;
    return json_is_boolean(v);
}

static bool take_int(const json_t *obj, const char *key, bool *has, long long *out)
{
    const json_t *v = json_object_get(obj, key);

    if (!v || json_is_null(v))
        return true;
    *has = true;
    *out = json_integer_value(v);
    return json_is_integer(v);
}

static bool take_row(const json_t *obj, struct action_row *r)
{
    action_row_init(r, (long)json_integer_value(json_object_get(obj, "row")));
    return json_is_object(obj) && r->row > 0 && take_text(obj, "name", &r->name) &&
           take_text(obj, "command", &r->command) && take_text(obj, "cron", &r->cron) &&
           take_tristate(obj, "merge_missed", &r->merge_missed) &&
           take_int(obj, "actuality_time", &r->has_actuality_time, &r->actuality_time) &&
           take_tristate(obj, "enabled", &r->enabled) &&
           take_text(obj, "timezone", &r->timezone) &&
           take_int(obj, "timeout", &r->has_timeout, &r->timeout) &&
           take_text(obj, "error", &r->error);
}

int rowcache_load(const char *root, const struct config_source *cfg, struct action_row **rows,
                  size_t *count, double *read_at, char *err, size_t errlen)
{
    char file[PATH_MAX];
    json_error_t jerr;
    json_t *doc, *list;
    FILE *f;
    size_t n;

    *rows = NULL;
    *count = 0;
    if (cache_path(root, cfg->name, "", file, sizeof file) < 0) {
        snprintf(err, errlen, "%s/%s: path too long", root, ROWCACHE_DIR_REL);
        return -1;
    }
    if (!(f = fs_open_regular(file))) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", file, fs_strerror(errno));
        return -1;
    }
    doc = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    fclose(f);
    if (!doc) {
        snprintf(err, errlen, "%s: %s", file, jerr.text);
        return -1;
    }
    list = json_object_get(doc, "rows");
    if (!json_is_string(json_object_get(doc, "url")) ||
        !json_is_string(json_object_get(doc, "table")) || !json_is_array(list)) {
        snprintf(err, errlen, "%s: expected {url, table, read_at, rows}", file);
        json_decref(doc);
        return -1;
    }
    if (strcmp(json_string_value(json_object_get(doc, "url")), cfg->url) != 0 ||
        strcmp(json_string_value(json_object_get(doc, "table")), cfg->table) != 0) {
        json_decref(doc);
        return 0; /* rows of another table */
    }
    n = json_array_size(list);
    if (n > ROWSOURCE_ROWS_MAX || (n && !(*rows = calloc(n, sizeof **rows)))) {
        snprintf(err, errlen, "%s: %s", file,
                 n > ROWSOURCE_ROWS_MAX ? "too many rows" : "out of memory");
        json_decref(doc);
        return -1;
    }
    for (; *count < n; (*count)++)
        if (!take_row(json_array_get(list, *count), &(*rows)[*count])) {
            snprintf(err, errlen, "%s: row %zu is not a row (or out of memory)", file,
                     *count + 1);
            action_rows_free(*rows, *count + 1);
            *rows = NULL;
            *count = 0;
            json_decref(doc);
            return -1;
        }
    *read_at = json_number_value(json_object_get(doc, "read_at"));
    json_decref(doc);
    return 1;
}

void rowcache_remove(const char *root, const char *name)
{
    char file[PATH_MAX];

    if (cache_path(root, name, "", file, sizeof file) == 0)
        unlink(file); /* none there is as good */
}
