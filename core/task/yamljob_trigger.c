/* yamljob_trigger.c — an APScheduler 3 trigger (`trigger: {type: interval
 * | cron | date, ...}`) as an expression of the schedule DSL, so that it
 * is evaluated and validated like any `schedule` string.
 *
 * APScheduler's cron fields are passed as they are to the DSL's cron{...},
 * which means what APScheduler means (core/schedule/cron_aps.c); each field
 * is parsed alone first, to report a bad value at its position.  An interval
 * becomes every(n) of the largest unit that divides it, counted from its
 * start date as APScheduler counts (:anchor()); without one from midnight
 * 1970-01-01 in its zone, so a restart never moves its fires (README,
 * "Jobs as data").
 */
#include "yamljob.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/suggest.h"

#define TRIGGER_VALUE_MAX 96
/* An interval without start_date counts from here (its zone's midnight). */
#define INTERVAL_DEFAULT_ANCHOR "1970-01-01"

static const char *const common_keys[] = {"type", "start_date", "end_date", "timezone",
                                          "jitter"};
static const char *const interval_keys[] = {"weeks", "days", "hours", "minutes", "seconds"};
static const long interval_seconds[] = {604800, 86400, 3600, 60, 1};
static const char *const interval_units[] = {"weeks", "days", "hours", "minutes", "seconds"};

struct trigger {
    const struct yamldoc_node *map;
    const struct yamldoc_node **at;
    char *err;
    size_t errlen;
};

static int fail(struct trigger *tr, const struct yamldoc_node *node, const char *fmt, ...)
{
    va_list ap;
    *tr->at = node;
    va_start(ap, fmt);
    vsnprintf(tr->err, tr->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* A scalar's text (numbers as written), or NULL with the error set. */
static const char *scalar(struct trigger *tr, const char *key, const struct yamldoc_node *v)
{
    if (v->kind != YAMLDOC_SCALAR) {
        fail(tr, v, "field 'trigger.%s': expected a value, got a %s", key,
             yamldoc_kind_name(v->kind));
        return NULL;
    }
    if (v->len >= TRIGGER_VALUE_MAX || strpbrk(v->text, "\"\\\n")) {
        fail(tr, v,
             "field 'trigger.%s': expected a short value without quotes or "
             "backslashes",
             key);
        return NULL;
    }
    return v->text;
}

/* A non-negative whole number of seconds (or of the unit), or -1. */
static long count(struct trigger *tr, const char *key, const struct yamldoc_node *v)
{
    struct yamldoc_value value = yamldoc_scalar_value(v);
    if (value.type != YAMLDOC_INT || value.integer < 0 || value.integer > INT32_MAX)
        return fail(tr, v, "field 'trigger.%s': expected a whole number >= 0", key);
    return (long)value.integer;
}

static bool is_one_of(const char *key, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(key, names[i]) == 0)
            return true;
    return false;
}

/* Refuse a key that is no field of this type of trigger, suggesting one. */
static int check_keys(struct trigger *tr, const char *type, const char *const *own, size_t n)
{
    for (size_t i = 0; i < tr->map->count; i++) {
        const struct yamldoc_node *key = tr->map->pairs[i].key;
        struct suggest near;
        if (is_one_of(key->text, common_keys, sizeof common_keys / sizeof *common_keys) ||
            is_one_of(key->text, own, n))
            continue;
        suggest_init(&near, key->text);
        for (size_t k = 0; k < n; k++)
            suggest_consider(&near, own[k]);
        for (size_t k = 0; k < sizeof common_keys / sizeof *common_keys; k++)
            suggest_consider(&near, common_keys[k]);
        if (near.best)
            return fail(tr, key,
                        "unknown field 'trigger.%s' of a trigger of type %s (did you "
                        "mean '%s'?)",
                        key->text, type, near.best);
        return fail(tr, key, "unknown field 'trigger.%s' of a trigger of type %s", key->text,
                    type);
    }
    return 0;
}

/* Append printf output to buf; false when it did not fit. */
static bool append(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < len - used;
}

/* :tz(), :from() (an interval's :anchor()), :till() and :jitter() from
 * the keys every trigger has. */
static int modifiers(struct trigger *tr, bool interval, char *expr, size_t len)
{
    const char *const dates[][2] = {{"start_date", interval ? "anchor" : "from"},
                                    {"end_date", "till"}};
    const struct yamldoc_node *v;
    const char *text;

    if ((v = yamldoc_get(tr->map, "timezone"))) {
        if (!(text = scalar(tr, "timezone", v)))
            return -1;
        if (!append(expr, len, ":tz(\"%s\")", text))
            return fail(tr, v, "field 'trigger.timezone': too long");
    }
    if (interval && !yamldoc_get(tr->map, "start_date") &&
        !append(expr, len, ":anchor(\"%s\")", INTERVAL_DEFAULT_ANCHOR))
        return fail(tr, tr->map, "field 'trigger': too long");
    for (size_t i = 0; i < 2; i++) {
        if (!(v = yamldoc_get(tr->map, dates[i][0])))
            continue;
        if (!(text = scalar(tr, dates[i][0], v)))
            return -1;
        if (!append(expr, len, ":%s(\"%s\")", dates[i][1], text))
            return fail(tr, v, "field 'trigger.%s': too long", dates[i][0]);
    }
    if ((v = yamldoc_get(tr->map, "jitter"))) {
        long jitter = count(tr, "jitter", v);
        if (jitter < 0)
            return -1;
        if (jitter > 0 && !append(expr, len, ":jitter(%ld)", jitter))
            return fail(tr, v, "field 'trigger.jitter': too long");
    }
    return 0;
}

static int interval(struct trigger *tr, char *expr, size_t len)
{
    long total = 0, n;
    size_t unit;

    if (check_keys(tr, "interval", interval_keys, 5) < 0)
        return -1;
    for (size_t i = 0; i < 5; i++) {
        const struct yamldoc_node *v = yamldoc_get(tr->map, interval_keys[i]);
        if (v && (n = count(tr, interval_keys[i], v)) < 0)
            return -1;
        if (v && n > (INT32_MAX - total) / interval_seconds[i])
            return fail(tr, v, "field 'trigger.%s': the interval is too long",
                        interval_keys[i]);
        total += v ? n * interval_seconds[i] : 0;
    }
    if (total == 0)
        return fail(tr, tr->map,
                    "field 'trigger': an interval trigger needs weeks, days, "
                    "hours, minutes or seconds adding up to more than 0");
    for (unit = 0; total % interval_seconds[unit] != 0; unit++)
        ;
    snprintf(expr, len, "every(%ld).%s", total / interval_seconds[unit], interval_units[unit]);
    return modifiers(tr, true, expr, len);
}

/* A cron parser's message without its own "<field> field: " prefix, which
 * the caller's "field 'trigger.<field>': " says already. */
static const char *without_field_prefix(const char *why, const char *field)
{
    size_t n = strlen(field);
    return strncmp(why, field, n) == 0 && strncmp(why + n, " field: ", 8) == 0 ? why + n + 8
                                                                               : why;
}

static int cron(struct trigger *tr, char *expr, size_t len)
{
    static const char *const names[] = {"year",        "month", "day",    "week",
                                        "day_of_week", "hour",  "minute", "second"};
    const size_t count = sizeof names / sizeof names[0];
    char fields[SCHEDULE_TEXT_MAX] = "", why[SCHEDULE_ERR_MAX];
    struct cron_spec spec;

    if (check_keys(tr, "cron", names, count) < 0)
        return -1;
    if (!append(expr, len, "cron{"))
        return fail(tr, tr->map, "field 'trigger': too long");
    for (size_t i = 0; i < count; i++) {
        const struct yamldoc_node *v = yamldoc_get(tr->map, names[i]);
        const char *text = v ? scalar(tr, names[i], v) : NULL;
        char one[SCHEDULE_TEXT_MAX];
        if (!v)
            continue;
        if (!text)
            return -1;
        if (strpbrk(text, ";="))
            return fail(tr, v, "field 'trigger.%s': '%s' has a ';' or '='", names[i], text);
        snprintf(one, sizeof one, "%s=%s", names[i], text);
        if (cron_parse(one, &spec, why, sizeof why) < 0)
            return fail(tr, v, "field 'trigger.%s': %s", names[i],
                        without_field_prefix(why, names[i]));
        if (!append(expr, len, "%s%s = \"%s\"", fields[0] ? ", " : "", names[i], text) ||
            !append(fields, sizeof fields, "%s%s", fields[0] ? "; " : "", one))
            return fail(tr, v, "field 'trigger': too long");
    }
    if (fields[0] == '\0')
        return fail(tr, tr->map,
                    "field 'trigger': a cron trigger needs at least one of year, "
                    "month, day, week, day_of_week, hour, minute, second");
    if (cron_parse(fields, &spec, why, sizeof why) < 0)
        return fail(tr, tr->map, "field 'trigger': %s", why);
    if (!append(expr, len, "}"))
        return fail(tr, tr->map, "field 'trigger': too long");
    return modifiers(tr, false, expr, len);
}

static int date(struct trigger *tr, char *expr, size_t len)
{
    static const char *const own[] = {"run_date"};
    const struct yamldoc_node *v = yamldoc_get(tr->map, "run_date"), *zone;
    const char *text;

    if (check_keys(tr, "date", own, 1) < 0)
        return -1;
    if (!v)
        return fail(tr, tr->map, "field 'trigger': a date trigger needs 'run_date'");
    if (!(text = scalar(tr, "run_date", v)))
        return -1;
    snprintf(expr, len, "once(\"%s\")", text);
    if ((zone = yamldoc_get(tr->map, "timezone"))) {
        if (!(text = scalar(tr, "timezone", zone)))
            return -1;
        if (!append(expr, len, ":tz(\"%s\")", text))
            return fail(tr, zone, "field 'trigger.timezone': too long");
    }
    return 0;
}

int yamljob_trigger(const struct yamldoc_node *trigger, char *expr, size_t len,
                    const struct yamldoc_node **at, char *err, size_t errlen)
{
    struct trigger tr = {trigger, at, err, errlen};
    const struct yamldoc_node *type = yamldoc_get(trigger, "type");

    expr[0] = '\0';
    if (trigger->kind != YAMLDOC_MAPPING)
        return fail(&tr, trigger,
                    "field 'trigger': expected a mapping {type: interval|cron|date, "
                    "...}, got a %s",
                    yamldoc_kind_name(trigger->kind));
    if (type && type->kind == YAMLDOC_SCALAR && strcmp(type->text, "interval") == 0)
        return interval(&tr, expr, len);
    if (type && type->kind == YAMLDOC_SCALAR && strcmp(type->text, "cron") == 0)
        return cron(&tr, expr, len);
    if (type && type->kind == YAMLDOC_SCALAR && strcmp(type->text, "date") == 0)
        return date(&tr, expr, len);
    return fail(&tr, type ? type : trigger,
                "field 'trigger.type': expected \"interval\", \"cron\" or \"date\"");
}
