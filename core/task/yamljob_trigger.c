/* yamljob_trigger.c — an APScheduler 3 trigger (`trigger: {type: interval
 * | cron | date, ...}`) as an expression of the schedule DSL, so that it
 * is evaluated and validated like any `schedule` string.
 *
 * APScheduler's cron fields are mapped onto our cron: a field left out is
 * `*` when it is more significant than the least significant one given and
 * its minimum when it is less (APScheduler's rule), `day_of_week` counts
 * from Monday = 0, and what our cron cannot say (`year` or `week` other
 * than `*`, `last`, `xth y`, day and day_of_week both restricted, which
 * APScheduler ANDs and cron ORs) is refused naming the field.  An interval
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

/* The fields of a cron trigger, most significant first, with the value a
 * field left out takes below the least significant one given. */
static const struct {
    const char *name, *minimum;
} cron_fields[] = {
    {"year", "*"},        {"month", "1"}, {"day", "1"},    {"week", "*"},
    {"day_of_week", "*"}, {"hour", "0"},  {"minute", "0"}, {"second", "0"},
};
#define CRON_FIELDS (sizeof cron_fields / sizeof cron_fields[0])
enum { C_YEAR, C_MONTH, C_DAY, C_WEEK, C_DOW, C_HOUR, C_MINUTE, C_SECOND };

static const char *const common_keys[] = {"type", "start_date", "end_date", "timezone",
                                          "jitter"};
static const char *const interval_keys[] = {"weeks", "days", "hours", "minutes", "seconds"};
static const long interval_seconds[] = {604800, 86400, 3600, 60, 1};
static const char *const interval_units[] = {"weeks", "days", "hours", "minutes", "seconds"};
static const char *const weekdays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

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

/* A weekday as APScheduler writes it (mon..sun, or 0 = Monday .. 6), as
 * 0..6 from Monday, or -1. */
static int weekday(const char *text, size_t len)
{
    if (len == 1 && text[0] >= '0' && text[0] <= '6')
        return text[0] - '0';
    for (int i = 0; i < 7; i++)
        if (len == 3 && strncasecmp(text, weekdays[i], 3) == 0)
            return i;
    return -1;
}

/* APScheduler's day_of_week (`*`, `*`/step, lists of days and ranges
 * `a-b`[/step], Monday first) as cron's, Sunday = 0: every day spelt out. */
static int day_of_week(struct trigger *tr, const struct yamldoc_node *v, const char *text,
                       char *out, size_t len)
{
    bool days[7] = {false};
    const char *item = text;

    while (*item) {
        size_t n = strcspn(item, ",");
        const char *slash = memchr(item, '/', n), *dash = memchr(item, '-', n);
        size_t range_len = slash ? (size_t)(slash - item) : n;
        int from = 0, to = 6, step = 1;

        if (slash && sscanf(slash + 1, "%d", &step) != 1)
            step = 0;
        if (!(range_len == 1 && item[0] == '*')) {
            from = weekday(item, dash ? (size_t)(dash - item) : range_len);
            to = dash ? weekday(dash + 1, range_len - (size_t)(dash + 1 - item)) : from;
            if (!slash && !dash)
                to = from;
        }
        if (from < 0 || to < 0 || from > to || step < 1)
            return fail(tr, v,
                        "field 'trigger.day_of_week': expected days mon..sun or 0..6 "
                        "(Monday first), ranges and steps, got \"%s\"",
                        text);
        for (int d = from; d <= to; d += step)
            days[d] = true;
        item += n + (item[n] == ',');
    }
    out[0] = '\0';
    if (memchr(days, false, sizeof days) == NULL)
        return append(out, len, "*") ? 0 : -1;
    for (int d = 0; d < 7; d++)
        if (days[d] && !append(out, len, "%s%d", out[0] ? "," : "", (d + 1) % 7))
            return fail(tr, v, "field 'trigger.day_of_week': too long");
    return 0;
}

static int cron(struct trigger *tr, char *expr, size_t len)
{
    static const char *const names[] = {"year",        "month", "day",    "week",
                                        "day_of_week", "hour",  "minute", "second"};
    char value[CRON_FIELDS][TRIGGER_VALUE_MAX];
    int last_given = -1;

    if (check_keys(tr, "cron", names, CRON_FIELDS) < 0)
        return -1;
    for (size_t i = 0; i < CRON_FIELDS; i++)
        if (yamldoc_get(tr->map, cron_fields[i].name))
            last_given = (int)i;
    if (last_given < 0)
        return fail(tr, tr->map,
                    "field 'trigger': a cron trigger needs at least one of year, "
                    "month, day, week, day_of_week, hour, minute, second");
    for (size_t i = 0; i < CRON_FIELDS; i++) {
        const struct yamldoc_node *v = yamldoc_get(tr->map, cron_fields[i].name);
        const char *text = v ? scalar(tr, cron_fields[i].name, v) : NULL;
        if (v && !text)
            return -1;
        if (!v)
            text =
                (int)i < last_given && i != C_WEEK && i != C_DOW ? "*" : cron_fields[i].minimum;
        if ((i == C_YEAR || i == C_WEEK) && strcmp(text, "*") != 0)
            return fail(tr, v,
                        "field 'trigger.%s': only '*' is supported (our cron has no %s "
                        "field)",
                        cron_fields[i].name, cron_fields[i].name);
        if (i == C_DOW) {
            if (day_of_week(tr, v, text, value[i], sizeof value[i]) < 0)
                return -1;
            continue;
        }
        if (strstr(text, "last") || strstr(text, "th ") || strstr(text, "st ") ||
            strstr(text, "nd ") || strstr(text, "rd "))
            return fail(tr, v,
                        "field 'trigger.%s': '%s' is not supported (our cron has no "
                        "'last' or 'xth weekday')",
                        cron_fields[i].name, text);
        snprintf(value[i], sizeof value[i], "%s", text);
    }
    if (strcmp(value[C_DAY], "*") != 0 && strcmp(value[C_DOW], "*") != 0)
        return fail(tr, yamldoc_get(tr->map, "day_of_week"),
                    "field 'trigger.day_of_week': cannot be combined with 'day' (APScheduler "
                    "requires both, cron takes either)");
    if (!append(expr, len, "cron(\"%s %s %s %s %s %s\")", value[C_SECOND], value[C_MINUTE],
                value[C_HOUR], value[C_DAY], value[C_MONTH], value[C_DOW]))
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
