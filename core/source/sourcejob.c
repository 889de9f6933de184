/* sourcejob.c — a row of a table of actions as Lua task code
 * (sourcejob.h). */
#include "sourcejob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/utf8.h"
#include "lib/yamldoc.h"
#include "task/task.h"
#include "task/yamljob.h"
#include "time/tz.h"

#define SOURCEJOB_ERR_MAX 512
#define APSCHEDULER_FORMAT "apscheduler"

/* `s` as a Lua string literal: quotes, backslashes and control bytes
 * escaped, other bytes as they are. */
static void put_lua_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c < 0x20 || *c == 0x7f)
            fprintf(f, "\\%03u", *c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

static bool name_ok(const char *name)
{
    return name && name[0] && strlen(name) <= SOURCEJOB_NAME_MAX && !strchr(name, '/') &&
           strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && utf8_is_printable(name);
}

char *sourcejob_name(const struct config_source *src, const struct action_row *row)
{
    char *name;

    if (name_ok(row->name) ? asprintf(&name, "%s/%s", src->name, row->name) < 0
                           : asprintf(&name, "%s/row-%ld", src->name, row->row) < 0)
        return NULL;
    return name;
}

/* "column 'cron': " and yamljob_trigger's message, whose 'trigger.KEY'
 * (a YAML job's field) is the row's 'params.KEY'. */
static void put_params_message(const char *msg, char *why, size_t whylen)
{
    static const char from[] = "'trigger", to[] = "'params";
    size_t used = (size_t)snprintf(why, whylen, "column 'cron': ");

    while (*msg && used + 1 < whylen) {
        if (strncmp(msg, from, sizeof from - 1) == 0 && used + sizeof to < whylen) {
            memcpy(why + used, to, sizeof to - 1);
            used += sizeof to - 1;
            msg += sizeof from - 1;
        } else {
            why[used++] = *msg++;
        }
    }
    why[used < whylen ? used : whylen - 1] = '\0';
}

/* The APScheduler form of the cron column as a DSL expression: its params
 * are a cron trigger's fields (type cron unless it says otherwise), the
 * row's timezone when the params give none.  0, or -1 with why. */
static int apscheduler_expr(const struct action_row *row, char *expr, size_t len, char *why,
                            size_t whylen)
{
    json_error_t jerr;
    json_t *doc = json_loads(row->cron, JSON_REJECT_DUPLICATES, &jerr), *params;
    const char *format = json_string_value(json_object_get(doc, "format"));
    struct yamldoc_node *trigger = NULL;
    const struct yamldoc_node *at = NULL;
    char msg[SOURCEJOB_ERR_MAX - 64], *text = NULL; /* room for the column's name */
    int rc = -1;

    params = json_object_get(doc, "params");
    if (!doc) {
        snprintf(why, whylen, "column 'cron': not JSON (%s at character %d)", jerr.text,
                 jerr.position);
        goto done;
    }
    if (!format || strcmp(format, APSCHEDULER_FORMAT) != 0 || !json_is_object(params)) {
        snprintf(why, whylen,
                 "column 'cron': expected {\"format\": \"apscheduler\", \"params\": "
                 "{…}} (or a crontab line)");
        goto done;
    }
    if ((!json_object_get(params, "type") &&
         json_object_set_new(params, "type", json_string("cron")) < 0) ||
        (row->timezone && !json_object_get(params, "timezone") &&
         json_object_set_new(params, "timezone", json_string(row->timezone)) < 0) ||
        !(text = json_dumps(params, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
        snprintf(why, whylen, "out of memory");
        goto done;
    }
    /* JSON is YAML: the trigger is read as a YAML job's would be. */
    if (!(trigger = yamldoc_load_string(text, strlen(text), "cron", msg, sizeof msg))) {
        snprintf(why, whylen, "column 'cron': %s", msg);
        goto done;
    }
    if (yamljob_trigger(trigger, expr, len, &at, msg, sizeof msg) < 0) {
        put_params_message(msg, why, whylen);
        goto done;
    }
    rc = 0;
done:
    yamldoc_free(trigger);
    free(text);
    json_decref(doc);
    return rc;
}

/* Write the schedule expression of the row; 0, or -1 with why. */
static int put_schedule(FILE *f, const struct action_row *row, char *why, size_t whylen)
{
    char expr[YAMLJOB_EXPR_MAX];
    const char *c = row->cron;

    while (*c == ' ' || *c == '\t')
        c++;
    if (*c == '{') {
        if (apscheduler_expr(row, expr, sizeof expr, why, whylen) < 0)
            return -1;
        fprintf(f, "  schedule = %s,\n", expr);
        return 0;
    }
    fputs("  schedule = cron(", f);
    put_lua_string(f, row->cron);
    fputc(')', f);
    if (row->timezone) {
        fputs(":tz(", f);
        put_lua_string(f, row->timezone);
        fputc(')', f);
    }
    fputs(",\n", f);
    return 0;
}

/* What makes the row no task before its code is evaluated, into why. */
static bool refused(const struct action_row *row, long duplicate,
                    const struct sourcejob_handler *handler, char *why, size_t whylen)
{
    char zone_err[TZ_ERR_MAX];

    if (row->error)
        snprintf(why, whylen, "%s", row->error);
    else if (!name_ok(row->name))
        snprintf(why, whylen,
                 "column 'name': expected a name of at most %d bytes, printable, "
                 "without '/'",
                 SOURCEJOB_NAME_MAX);
    else if (duplicate > 0)
        snprintf(why, whylen, "column 'name': '%s' is the name of row %ld too", row->name,
                 duplicate);
    else if (!row->command || !row->command[0])
        snprintf(why, whylen, "column 'command': empty");
    else if (!row->cron || !row->cron[0])
        snprintf(why, whylen, "column 'cron': empty (a crontab line, or the APScheduler form)");
    else if (row->timezone && !tz_get(row->timezone, zone_err, sizeof zone_err))
        snprintf(why, whylen, "column 'timezone': %s", zone_err);
    else if (handler && !handler->content)
        snprintf(why, whylen, "%s", handler->error);
    else
        return false;
    return true;
}

/* The task code of a row that passed `refused`; 0, or -1 with why. */
static int write_code(FILE *f, const struct config_source *src, const struct action_row *row,
                      const struct sourcejob_handler *handler, char *why, size_t whylen)
{
    bool merge =
        row->merge_missed == ACTION_NULL ? src->merge_missed : row->merge_missed == ACTION_TRUE;
    long long grace = row->has_actuality_time ? row->actuality_time : src->actuality_time;

    if (handler) {
        /* On line 1, so the handler's line numbers are its file's. */
        fputs("local handler = (function() ", f);
        fwrite(handler->content, 1, handler->content_len, f);
        fputs("\nend)()\n", f);
    }
    fputs("return {\n  title = ", f);
    put_lua_string(f, row->name);
    fprintf(f, ",\n  description = ");
    {
        char text[SOURCEJOB_ERR_MAX];
        snprintf(text, sizeof text, "action %s of table %s (source %s)", row->name, src->table,
                 src->name);
        put_lua_string(f, text);
    }
    fputs(",\n", f);
    if (put_schedule(f, row, why, whylen) < 0)
        return -1;
    fprintf(f, "  catchup = \"%s\",\n", merge ? "once" : "all");
    if (grace >= 0)
        fprintf(f, "  grace = %lld,\n", grace);
    if (row->enabled != ACTION_NULL)
        fprintf(f, "  enabled = %s,\n", row->enabled == ACTION_TRUE ? "true" : "false");
    if (row->has_timeout)
        fprintf(f, "  timeout = %lld,\n", row->timeout);
    if (handler) {
        /* A command task's args are more argv: only a handler gets them. */
        fputs("  args = { command = ", f);
        put_lua_string(f, row->command);
        fputs(", action = ", f);
        put_lua_string(f, row->name);
        fputs(", source = ", f);
        put_lua_string(f, src->name);
        fputs(" },\n  run = (handler or {}).run,\n", f);
    } else {
        fputs("  command = { \"/bin/sh\", \"-c\", ", f);
        put_lua_string(f, row->command);
        fputs(" },\n  env = { ACTION_NAME = ", f);
        put_lua_string(f, row->name);
        fputs(", ACTION_SOURCE = ", f);
        put_lua_string(f, src->name);
        fputs(" },\n", f);
    }
    fputs("}\n", f);
    return 0;
}

int sourcejob_make(const struct config_source *src, const struct action_row *row,
                   long duplicate, const struct sourcejob_handler *handler,
                   struct discovery_extra *out)
{
    char why[SOURCEJOB_ERR_MAX], *label = NULL, *path = NULL, *name = sourcejob_name(src, row);
    char *code = NULL, *error = NULL;
    size_t len = 0;
    FILE *f = NULL;
    bool bad;

    memset(out, 0, sizeof *out);
    why[0] = '\0';
    if (!name || asprintf(&label, "%s (row %ld)", name, row->row) < 0 ||
        asprintf(&path, "%s%s/%s", TASK_SQL_PREFIX, src->name, src->table) < 0) {
        label = NULL;
        path = NULL;
        goto oom;
    }
    bad = refused(row, duplicate, handler, why, sizeof why);
    if (!bad) {
        if (!(f = open_memstream(&code, &len)))
            goto oom;
        bad = write_code(f, src, row, handler, why, sizeof why) < 0;
        if (fclose(f) != 0)
            goto oom;
        if (bad) {
            free(code);
            code = NULL;
            len = 0;
        }
    }
    if (bad && asprintf(&error, "%s: %s", label, why) < 0) {
        error = NULL;
        goto oom;
    }
    *out = (struct discovery_extra){.name = name,
                                    .path = path,
                                    .label = label,
                                    .content = code,
                                    .content_len = len,
                                    .error = error,
                                    .line = (int)row->row};
    return 0;
oom:
    free(name);
    free(label);
    free(path);
    free(code);
    return -1;
}

void sourcejob_free(struct discovery_extra *x)
{
    free((char *)x->name);
    free((char *)x->path);
    free((char *)x->label);
    free((char *)x->content);
    free((char *)x->error);
    memset(x, 0, sizeof *x);
}
