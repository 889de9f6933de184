/* schedule_text.c — schedules to and from text: the .at() and date parsers
 * used by the Lua DSL, schedule_describe for --status and the CLI, and the
 * warnings of `main check`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cron_internal.h"
#include "schedule.h"

#define AT_FIELDS_MAX 3

static const char *const unit_names[] = {"second", "minute", "hour", "day", "week"};
static const char *const weekday_words[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                            "Friday", "Saturday", "Sunday"};

/* How many of each sub-daily unit a day has: every(n) of them restarts its
 * count at midnight (DESIGN.md's clock-boundary rule). */
static const int64_t units_per_day[] = {
    [UNIT_SECOND] = 86400,
    [UNIT_MINUTE] = 1440,
    [UNIT_HOUR] = 24,
};

/* Appends formatted text to a fixed buffer, truncating quietly. */
struct out {
    char *buf;
    size_t len, used;
};

static void out_add(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_add(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->used + 1 >= o->len)
        return;
    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->used = o->used + (size_t)n < o->len ? o->used + (size_t)n : o->len - 1;
}

/* Two-digit fields separated by ':', with an optional leading ':'.
 * Returns how many were read, or -1 when the text has another shape. */
static int read_at_fields(const char *text, int v[AT_FIELDS_MAX], bool *leading_colon)
{
    const char *p = text;
    int n = 0;

    *leading_colon = *p == ':';
    if (*leading_colon)
        p++;
    for (;;) {
        if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
            return -1;
        v[n++] = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (*p == '\0')
            return n;
        if (*p != ':' || n == AT_FIELDS_MAX)
            return -1;
        p++;
    }
}

int schedule_parse_at(enum schedule_unit unit, const char *text, int *hour, int *minute,
                      int *second, char *err, size_t errlen)
{
    int v[AT_FIELDS_MAX];
    bool colon;
    int n = read_at_fields(text, v, &colon);
    int h = -1, m = -1, s = 0;
    const char *expected;
    bool ok;

    switch (unit) {
    case UNIT_DAY:
    case UNIT_WEEK:
        expected = "HH:MM or HH:MM:SS";
        ok = !colon && (n == 2 || n == 3);
        if (ok) {
            h = v[0];
            m = v[1];
            s = n == 3 ? v[2] : 0;
        }
        break;
    case UNIT_HOUR:
        expected = ":MM, :MM:SS or MM:SS";
        ok = (colon && (n == 1 || n == 2)) || (!colon && n == 2);
        if (ok) {
            m = v[0];
            s = n == 2 ? v[1] : 0;
        }
        break;
    case UNIT_MINUTE:
        expected = ":SS";
        ok = colon && n == 1;
        if (ok)
            s = v[0];
        break;
    default:
        snprintf(err, errlen, "bad time '%s': .at() does not apply to seconds", text);
        return -1;
    }
    if (!ok) {
        snprintf(err, errlen, "bad time '%s': expected %s", text, expected);
        return -1;
    }
    if (h > 23 || m > 59 || s > 59) {
        snprintf(err, errlen, "bad time '%s': %s", text,
                 h > 23   ? "hour must be 00-23"
                 : m > 59 ? "minute must be 00-59"
                          : "second must be 00-59");
        return -1;
    }
    *hour = h;
    *minute = m;
    *second = s;
    return 0;
}

int schedule_parse_civil(const char *text, struct civil_time *out, char *err, size_t errlen)
{
    const char *end;

    if (tz_parse_civil(text, out, &end, err, errlen) < 0)
        return -1;
    if (*end != '\0') {
        snprintf(err, errlen,
                 "bad date '%s': unexpected '%s' (expected "
                 "YYYY-MM-DD[ HH:MM[:SS]])",
                 text, end);
        return -1;
    }
    return 0;
}

static void add_civil(struct out *o, const struct civil_time *c)
{
    out_add(o, "%04d-%02d-%02d", c->year, c->month, c->day);
    if (!c->date_only)
        out_add(o, " %02d:%02d", c->hour, c->minute);
    if (!c->date_only && c->second)
        out_add(o, ":%02d", c->second);
}

static void describe_every(struct out *o, const struct schedule *s)
{
    const char *const *days = weekday_words;
    bool weekday = s->weekday >= 0 && s->weekday <= 6;

    if (weekday && s->n == 1)
        out_add(o, "every %s", days[s->weekday]);
    else if (weekday)
        out_add(o, "every %d weeks on %s", s->n, days[s->weekday]);
    else if (s->n == 1)
        out_add(o, "every %s", unit_names[s->unit]);
    else
        out_add(o, "every %d %ss", s->n, unit_names[s->unit]);

    if ((weekday || s->unit >= UNIT_DAY) && s->at_hour >= 0)
        out_add(o, " at %02d:%02d", s->at_hour, s->at_minute < 0 ? 0 : s->at_minute);
    else if (s->unit == UNIT_HOUR && s->at_minute >= 0)
        out_add(o, " at :%02d", s->at_minute);
    else if (s->unit == UNIT_MINUTE && s->at_second >= 0)
        out_add(o, " at :%02d", s->at_second);
    else
        return; /* no .at(): nothing to say about seconds either */
    if (s->unit != UNIT_MINUTE && s->at_second > 0)
        out_add(o, ":%02d", s->at_second);
}

/* One item of APScheduler's day field: "the last day", "the 2nd Friday",
 * "day 1-5". */
static void add_aps_day_item(struct out *o, const char *item, size_t len)
{
    const char *space = memchr(item, ' ', len);
    const char *name = space;

    if (len == 4 && strncasecmp(item, "last", 4) == 0) {
        out_add(o, "the last day");
        return;
    }
    while (name && name < item + len && *name == ' ')
        name++;
    for (int d = 0; name && d < 7; d++) {
        if (item + len - name == 3 && strncasecmp(name, weekday_words[d], 3) == 0) {
            out_add(o, "the %.*s %s", (int)(space - item), item, weekday_words[d]);
            return;
        }
    }
    out_add(o, "day %.*s", (int)len, item);
}

/* Whether a field's bits are all of lo..hi: it says nothing. */
static bool all_of(uint64_t bits, int lo, int hi)
{
    for (int v = lo; v <= hi; v++)
        if (!(bits >> v & 1))
            return false;
    return true;
}

/* APScheduler's fields as they apply, defaults included, those that allow
 * every value left out: "at 03:00:00 on the last Sunday", "at hour 9-17,
 * minute 0, second 0 in ISO week 10". */
static void describe_aps(struct out *o, const struct cron_spec *c)
{
    static const char *const time_names[] = {"hour", "minute", "second"};
    const bool time_all[] = {all_of(c->hours, 0, 23), all_of(c->minutes, 0, 59),
                             all_of(c->seconds, 0, 59)};
    const bool day_said = !all_of(c->mdays, 1, 31);
    char buf[CRON_APS_BUF];
    const char *v[CRON_APS_COUNT];
    bool any = false;

    if (cron_aps_values(c, buf, v) < 0)
        return;
    if (__builtin_popcount(c->hours) == 1 && __builtin_popcountll(c->minutes) == 1 &&
        __builtin_popcountll(c->seconds) == 1) {
        out_add(o, ": at %02d:%02d:%02d", __builtin_ctz(c->hours), __builtin_ctzll(c->minutes),
                __builtin_ctzll(c->seconds));
    } else {
        for (int i = 0; i < 3; i++) {
            if (!time_all[i])
                out_add(o, "%s %s %s", any ? "," : ": at", time_names[i], v[CRON_APS_HOUR + i]);
            any = any || !time_all[i];
        }
        if (!any)
            out_add(o, ": every second");
    }
    if (day_said) {
        const char *p = v[CRON_APS_DAY];
        out_add(o, " on ");
        for (;;) {
            size_t len = strcspn(p, ",");
            add_aps_day_item(o, p, len);
            if (p[len] == '\0')
                break;
            out_add(o, ", ");
            p += len + 1;
        }
    }
    if (!all_of(c->wdays, 0, 6))
        out_add(o, " %s %s", day_said ? "that is a" : "on", v[CRON_APS_DOW]);
    if (!all_of(c->weeks, 1, 53))
        out_add(o, " in ISO week %s", v[CRON_APS_WEEK]);
    if (!all_of(c->months, 1, 12))
        out_add(o, " in month %s", v[CRON_APS_MONTH]);
    if (c->year_count > 0)
        out_add(o, " in year %s", v[CRON_APS_YEAR]);
}

/* What the schedule does that its text hides, if anything.  An every(n)
 * of seconds, minutes or hours whose n does not divide the day: its fires
 * are not n apart across midnight, where the count restarts, and with n
 * above a day's count only midnight (plus the .at() offset) is left.  A
 * cron step larger than its range: cron.c's note. */
static void add_caveat(struct out *o, const struct schedule *s)
{
    int64_t per_day, gap;

    if (s->kind == SCHEDULE_CRON && s->cron.note[0])
        out_add(o, "%s", s->cron.note);
    if (s->kind != SCHEDULE_EVERY || s->has_anchor || !schedule_is_sub_daily(s) || s->n < 1)
        return; /* an anchored count runs on across midnight */
    per_day = units_per_day[s->unit];
    if (per_day % s->n == 0)
        return;
    if (s->n > per_day) {
        int minute = s->unit == UNIT_HOUR && s->at_minute > 0 ? s->at_minute : 0;
        int second = s->unit != UNIT_SECOND && s->at_second > 0 ? s->at_second : 0;
        out_add(o, "daily at 00:%02d", minute);
        if (second)
            out_add(o, ":%02d", second);
        out_add(o, " only");
    } else {
        gap = per_day - (per_day - 1) / s->n * s->n;
        out_add(o, "the day's last gap is %lld %s%s", (long long)gap, unit_names[s->unit],
                gap == 1 ? "" : "s");
    }
    out_add(o, ": %d does not divide %lld and the count restarts at midnight", s->n,
            (long long)per_day);
}

void schedule_describe(const struct schedule *s, char *buf, size_t len)
{
    char caveat[SCHEDULE_WORDS_MAX];
    struct out c = {caveat, sizeof caveat, 0};
    struct out o = {buf, len, 0};

    if (len == 0)
        return;
    buf[0] = '\0';
    switch (s->kind) {
    case SCHEDULE_EVERY:
        if ((unsigned)s->unit <= UNIT_WEEK)
            describe_every(&o, s);
        break;
    case SCHEDULE_CRON:
        out_add(&o, "cron '%s'", s->cron.expr);
        if (s->cron.aps)
            describe_aps(&o, &s->cron);
        break;
    case SCHEDULE_ONCE:
        out_add(&o, "once at ");
        add_civil(&o, &s->once);
        break;
    }
    if (s->has_anchor) {
        out_add(&o, " counted from ");
        add_civil(&o, &s->anchor);
    }
    if (s->has_from) {
        out_add(&o, " from ");
        add_civil(&o, &s->from);
    }
    if (s->has_till) {
        out_add(&o, " till ");
        add_civil(&o, &s->till);
    }
    if (s->zone[0])
        out_add(&o, " (%s)", s->zone);
    caveat[0] = '\0';
    add_caveat(&c, s);
    if (caveat[0])
        out_add(&o, " — %s", caveat);
}

bool schedule_warning(const struct schedule *s, int64_t now, const struct tz *default_zone,
                      char *buf, size_t len)
{
    char caveat[SCHEDULE_WORDS_MAX];
    struct out o = {buf, len, 0}, c = {caveat, sizeof caveat, 0};

    if (len == 0)
        return false;
    buf[0] = caveat[0] = '\0';
    if (schedule_next_fire(s, now, default_zone) == SCHEDULE_NEVER)
        out_add(&c, "never fires%s",
                s->kind == SCHEDULE_ONCE ? ": its time has passed" : " again");
    else
        add_caveat(&c, s);
    if (caveat[0])
        out_add(&o, "%s: %s", s->text, caveat);
    return caveat[0] != '\0';
}

void schedule_set_describe(const struct schedule_set *set, char *buf, size_t len)
{
    size_t used = 0;

    if (len == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < set->count && used + 1 < len; i++) {
        char one[SCHEDULE_WORDS_MAX];
        int n;

        schedule_describe(&set->items[i], one, sizeof one);
        n = snprintf(buf + used, len - used, "%s%s", i ? "; " : "", one);
        if (n < 0)
            break;
        used += (size_t)n < len - used ? (size_t)n : len - used - 1;
    }
}
