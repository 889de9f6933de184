/* config_print.c — the effective config as YAML, for `config --effective`.
 *
 * Each setting is followed by a comment naming its origin, so a user can
 * tell why a value is what it is (a stray TASKSCHED_ variable, a line of
 * the file, or the built-in default).  The output reads back as YAML.
 */
#include "config_internal.h"

#include <stdio.h>
#include <string.h>

#define INDENT 2
#define VALUE_COLUMN 28 /* where origin comments line up */

/* Quote a string when plain YAML would read it as something else or could
 * not hold it. */
static int print_string(FILE *out, const char *s)
{
    bool plain = *s && yamldoc_type_text(s).type == YAMLDOC_STRING &&
                 !strpbrk(s, ":#'\"{}[],&*!|>%@`\\\n\t") && s[0] != ' ' && s[0] != '-' &&
                 s[0] != '?' && s[strlen(s) - 1] != ' ';
    if (plain)
        return fprintf(out, "%s", s);
    int n = fputc('"', out) == EOF ? -1 : 1;
    for (; *s && n >= 0; s++) {
        int w = *s == '"' || *s == '\\' ? fprintf(out, "\\%c", *s)
                : *s == '\n'            ? fprintf(out, "\\n")
                : *s == '\t'            ? fprintf(out, "\\t")
                                        : fprintf(out, "%c", *s);
        n = w < 0 ? -1 : n + w;
    }
    return n < 0 || fputc('"', out) == EOF ? -1 : n + 1;
}

static int print_value(FILE *out, const struct config *cfg, const struct config_field *f)
{
    const void *slot = (const char *)cfg + f->offset;
    switch (f->kind) {
    case CONFIG_FIELD_STRING:
        return print_string(out, *(char *const *)slot);
    case CONFIG_FIELD_INT:
        return fprintf(out, "%d", *(const int *)slot);
    case CONFIG_FIELD_BOOL:
        return fprintf(out, "%s", *(const bool *)slot ? "true" : "false");
    case CONFIG_FIELD_ENUM:
        return fprintf(out, "%s", f->names[*(const int *)slot]);
    case CONFIG_FIELD_SIZE:
    case CONFIG_FIELD_DURATION:
        return fprintf(out, "%lld", (long long)*(const int64_t *)slot);
    }
    return -1;
}

/* "  # origin" after `used` columns of a line, and its end. */
static int print_origin(FILE *out, int used, const char *origin)
{
    int pad = VALUE_COLUMN - used;
    bool env = origin && strncmp(origin, CONFIG_ENV_PREFIX, strlen(CONFIG_ENV_PREFIX)) == 0;
    return fprintf(out, "%*s # %s%s\n", pad > 0 ? pad : 0, "", env ? "env " : "",
                   origin ? origin : "default") < 0
               ? -1
               : 0;
}

static int print_field(FILE *out, const struct config *cfg, int index)
{
    const struct config_field *f = &config_fields[index];
    int n = fprintf(out, "%*s%s: ", INDENT, "", f->key);
    int v = print_value(out, cfg, f);
    if (n < 0 || v < 0)
        return -1;
    return print_origin(out, n + v, cfg->origin[index]);
}

/* A channel's settings as written; nested values in flow style. */
static int print_node(FILE *out, const struct yamldoc_node *n)
{
    int rc = 0;
    switch (n->kind) {
    case YAMLDOC_SCALAR:
        return (n->quoted ? print_string(out, n->text) : fprintf(out, "%s", n->text)) < 0 ? -1
                                                                                          : 0;
    case YAMLDOC_SEQUENCE:
        rc = fputc('[', out) == EOF ? -1 : 0;
        for (size_t i = 0; rc == 0 && i < n->count; i++)
            rc = (i && fputs(", ", out) == EOF) ? -1 : print_node(out, n->items[i]);
        return rc == 0 && fputc(']', out) != EOF ? 0 : -1;
    case YAMLDOC_MAPPING:
        rc = fputc('{', out) == EOF ? -1 : 0;
        for (size_t i = 0; rc == 0 && i < n->count; i++)
            rc = ((i && fputs(", ", out) == EOF) || print_node(out, n->pairs[i].key) != 0 ||
                  fputs(": ", out) == EOF)
                     ? -1
                     : print_node(out, n->pairs[i].value);
        return rc == 0 && fputc('}', out) != EOF ? 0 : -1;
    }
    return -1;
}

static int print_channels(FILE *out, const struct config *cfg)
{
    if (fprintf(out, "%s:%s\n", CONFIG_NOTIFICATIONS, cfg->channel_count ? "" : " {}") < 0)
        return -1;
    for (size_t i = 0; i < cfg->channel_count; i++) {
        const struct config_channel *ch = &cfg->channels[i];
        if (fprintf(out, "%*s", INDENT, "") < 0 || print_string(out, ch->name) < 0 ||
            fputs(":\n", out) == EOF)
            return -1;
        for (size_t j = 0; j < ch->settings->count; j++) {
            const struct yamldoc_pair *p = &ch->settings->pairs[j];
            if (fprintf(out, "%*s%s: ", 2 * INDENT, "", p->key->text) < 0 ||
                print_node(out, p->value) != 0 || fputc('\n', out) == EOF)
                return -1;
        }
    }
    return 0;
}

/* api.tokens after the api section's fields: names, roles, and the
 * SHA-256 or file (never a token). */
static int print_tokens(FILE *out, const struct config *cfg)
{
    if (fprintf(out, "%*s%s:%s\n", INDENT, "", CONFIG_API_TOKENS,
                cfg->api.token_count ? "" : " []") < 0)
        return -1;
    for (size_t i = 0; i < cfg->api.token_count; i++) {
        const struct config_api_token *t = &cfg->api.tokens[i];
        if (fprintf(out, "%*s- name: ", INDENT, "") < 0 || print_string(out, t->name) < 0 ||
            fprintf(out, "\n%*srole: %s\n%*s%s: ", 2 * INDENT, "",
                    config_api_role_name(t->role), 2 * INDENT, "",
                    t->sha256 ? "sha256" : "file") < 0 ||
            print_string(out, t->sha256 ? t->sha256 : t->file) < 0 ||
            fprintf(out, "%*s # %s\n", INDENT, "", t->where) < 0)
            return -1;
    }
    return 0;
}

/* `sources:` as written, with the defaults filled in and the url's
 * password hidden (config_source_url_shown). */
static int print_source(FILE *out, const struct config_source *s)
{
    char url[CONFIG_SOURCE_URL_MAX];

    if (config_source_url_shown(s->url, url, sizeof url) < 0)
        snprintf(url, sizeof url, "(too long to show)");
    if (fprintf(out, "%*s- name: ", INDENT, "") < 0 || print_string(out, s->name) < 0 ||
        fprintf(out, "%*s # %s\n%*stype: %s\n%*surl: ", INDENT, "", s->where, 2 * INDENT, "",
                CONFIG_SOURCE_TYPE, 2 * INDENT, "") < 0 ||
        print_string(out, url) < 0 || fprintf(out, "\n%*stable: ", 2 * INDENT, "") < 0 ||
        print_string(out, s->table) < 0 ||
        fprintf(out, "\n%*spoll: %llds\n%*shandler: ", 2 * INDENT, "", (long long)s->poll,
                2 * INDENT, "") < 0 ||
        (s->handler ? print_string(out, s->handler) : fprintf(out, "null")) < 0 ||
        fprintf(out, "\n%*scolumns: {", 2 * INDENT, "") < 0)
        return -1;
    for (int col = 0; col < SOURCE_COL_COUNT; col++)
        if (fprintf(out, "%s%s: ", col ? ", " : " ", config_source_column_key(col)) < 0 ||
            print_string(out, s->columns[col]) < 0)
            return -1;
    return fprintf(out, " }\n%*sdefaults: { merge_missed: %s, actuality_time: %lld }\n",
                   2 * INDENT, "", s->merge_missed ? "true" : "false", s->actuality_time) < 0
               ? -1
               : 0;
}

static int print_sources(FILE *out, const struct config *cfg)
{
    if (fprintf(out, "%s:%s\n", CONFIG_SOURCES, cfg->source_count ? "" : " []") < 0)
        return -1;
    for (size_t i = 0; i < cfg->source_count; i++)
        if (print_source(out, &cfg->sources[i]) != 0)
            return -1;
    return 0;
}

/* scheduler.queues after the scheduler section's fields. */
static int print_queues(FILE *out, const struct config *cfg)
{
    if (fprintf(out, "%*s%s:%s\n", INDENT, "", CONFIG_QUEUES,
                cfg->scheduler.queue_count ? "" : " {}") < 0)
        return -1;
    for (size_t i = 0; i < cfg->scheduler.queue_count; i++) {
        const struct config_queue *q = &cfg->scheduler.queues[i];
        int n = fprintf(out, "%*s%s: { %s: %d }", 2 * INDENT, "", q->name, CONFIG_QUEUE_LIMIT,
                        q->max_concurrent);
        if (n < 0 || print_origin(out, n, q->where) != 0)
            return -1;
    }
    return 0;
}

int config_print_effective(const struct config *cfg, FILE *out)
{
    const char *section = NULL;
    for (int i = 0; i < CONFIG_FIELD_COUNT; i++) {
        const struct config_field *f = &config_fields[i];
        if ((!section || strcmp(section, f->section) != 0) &&
            fprintf(out, "%s:\n", f->section) < 0)
            return -1;
        section = f->section;
        if (print_field(out, cfg, i) != 0)
            return -1;
        bool last =
            i + 1 == CONFIG_FIELD_COUNT || strcmp(config_fields[i + 1].section, section);
        if (last && strcmp(section, CONFIG_API) == 0 && print_tokens(out, cfg) != 0)
            return -1;
        if (last && strcmp(section, CONFIG_SCHEDULER) == 0 && print_queues(out, cfg) != 0)
            return -1;
    }
    return print_channels(out, cfg) == 0 && print_sources(out, cfg) == 0 && fflush(out) == 0
               ? 0
               : -1;
}
