/* config_dotenv.c — the project root's `.env`: KEY=VALUE lines with the
 * names of the environment overrides (TASKSCHED_SECTION__KEY), applied
 * after config.yaml and before the environment, so the environment wins
 * over `.env` and `.env` over the file (the precedence of the Action
 * Scheduler this replaces).
 *
 * A line is blank, a `#` comment, or `[export ]KEY=VALUE` (blanks around
 * the `=` allowed).  VALUE is
 * 'single quoted' (taken as written), "double quoted" (\n, \t, \", \\
 * escapes), or bare (trimmed, a ` #` starting a comment).  Keys that are
 * no override (other names a tool keeps there) are left alone, as in the
 * environment.  Each value's origin is "PATH:LINE", which `config
 * --effective` shows.
 */
#include "config_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOTENV_LINE_MAX 4096
#define DOTENV_ORIGIN_MAX 4200

/* The value after '=' into out: 0, or -1 with why. */
static int parse_value(const char *v, char *out, size_t len, const char **why)
{
    size_t n = 0;
    char quote = *v;

    if (quote == '\'' || quote == '"') {
        for (v++; *v && *v != quote; v++) {
            char c = *v;
            if (quote == '"' && c == '\\' && v[1]) {
                v++;
                c = *v == 'n' ? '\n' : *v == 't' ? '\t' : *v;
            }
            if (n + 1 >= len) {
                *why = "value too long";
                return -1;
            }
            out[n++] = c;
        }
        if (*v != quote) {
            *why = "a quote is not closed";
            return -1;
        }
        for (v++; *v == ' ' || *v == '\t'; v++)
            ;
        if (*v && *v != '#') {
            *why = "text after the closing quote";
            return -1;
        }
    } else {
        const char *end = v + strlen(v);
        for (const char *c = v; *c; c++)
            if (*c == '#' && (c == v || c[-1] == ' ' || c[-1] == '\t')) {
                end = c;
                break;
            }
        while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        n = (size_t)(end - v);
        if (n >= len) {
            *why = "value too long";
            return -1;
        }
        memcpy(out, v, n);
    }
    out[n] = '\0';
    return 0;
}

int config_dotenv_parse(const char *name, const char *text, config_dotenv_pair *each,
                        void *data, char *why, size_t whylen)
{
    const char *line = text;
    int number = 0;

    while (*line) {
        size_t len = strcspn(line, "\n");
        char buf[DOTENV_LINE_MAX], value[DOTENV_LINE_MAX], *s, *eq;
        const char *what = NULL;

        number++;
        if (len >= sizeof buf) {
            snprintf(why, whylen, "%s:%d: line too long", name, number);
            return -1;
        }
        memcpy(buf, line, len);
        buf[len] = '\0';
        if (len && buf[len - 1] == '\r')
            buf[len - 1] = '\0';
        line += len + (line[len] == '\n');
        for (s = buf; *s == ' ' || *s == '\t'; s++)
            ;
        if (*s == '\0' || *s == '#')
            continue;
        if (strncmp(s, "export ", 7) == 0)
            s += 7;
        eq = strchr(s, '=');
        if (!eq || eq == s) {
            snprintf(why, whylen, "%s:%d: expected KEY=VALUE", name, number);
            return -1;
        }
        *eq = '\0';
        for (char *end = eq; end > s && (end[-1] == ' ' || end[-1] == '\t');)
            *--end = '\0';
        for (eq++; *eq == ' ' || *eq == '\t'; eq++)
            ;
        eq--; /* eq + 1 is the value */
        for (char *c = s; *c; c++)
            if (!(isalnum((unsigned char)*c) || *c == '_') || isdigit((unsigned char)s[0])) {
                snprintf(why, whylen, "%s:%d: '%.64s' is not a variable name", name, number, s);
                return -1;
            }
        if (parse_value(eq + 1, value, sizeof value, &what) < 0) {
            snprintf(why, whylen, "%s:%d: %s: %s", name, number, s, what);
            return -1;
        }
        if (each(data, number, s, value, why, whylen) < 0)
            return -1;
    }
    return 0;
}

struct apply {
    struct config *cfg;
    const char *path;
};

/* config_dotenv_pair: apply an override with origin "PATH:LINE". */
static int apply_pair(void *data, int line, const char *key, const char *value, char *why,
                      size_t whylen)
{
    const struct apply *a = data;
    char origin[DOTENV_ORIGIN_MAX];

    if (strncmp(key, CONFIG_ENV_PREFIX, strlen(CONFIG_ENV_PREFIX)) != 0)
        return 0;
    snprintf(origin, sizeof origin, "%s:%d", a->path, line);
    return config_env_apply_one(a->cfg, key, value, origin, why, whylen);
}

int config_dotenv_apply(struct config *cfg, const char *path, char *err, size_t errlen)
{
    struct apply a = {cfg, path};
    char why[CONFIG_DOTENV_ERR_MAX], *text = NULL;
    FILE *f = fopen(path, "r");
    size_t len = 0;
    int rc = -1;

    if (!f) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    text = calloc(1, CONFIG_DOTENV_MAX + 1);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    len = fread(text, 1, CONFIG_DOTENV_MAX + 1, f);
    if (ferror(f) || len > CONFIG_DOTENV_MAX) {
        snprintf(err, errlen, "%s: %s", path,
                 ferror(f) ? "cannot read" : "larger than " CONFIG_DOTENV_MAX_TEXT);
        goto done;
    }
    if (config_dotenv_parse(path, text, apply_pair, &a, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s", why);
        goto done;
    }
    rc = 0;
done:
    free(text);
    fclose(f);
    return rc;
}
