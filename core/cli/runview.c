/* runview.c — formatting instants, durations and runs for the CLI. */
#include "runview.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "time/civil.h"
#include "time/instant_json.h"

#define MINUTE 60
#define HOUR 3600
#define DAY 86400
#define RUNVIEW_NOW_WINDOW 0.5 /* seconds within which an instant is "now" */

void runview_time(const struct tz *zone, double t, char *buf, size_t len)
{
    struct civil_time c;

    if (t <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    int64_t s = (int64_t)floor(t);
    int32_t offset = tz_offset_at(zone, s), east = offset < 0 ? -offset : offset;
    civil_from_local(s + offset, &c);
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d %c%02d:%02d", c.year, c.month, c.day,
             c.hour, c.minute, c.second, offset < 0 ? '-' : '+', (int)(east / HOUR),
             (int)(east % HOUR / MINUTE));
}

void runview_duration(double seconds, char *buf, size_t len)
{
    if (seconds < 0)
        seconds = 0;
    if (seconds < 10)
        snprintf(buf, len, "%.2fs", seconds);
    else if (seconds < MINUTE)
        snprintf(buf, len, "%.1fs", seconds);
    else {
        long s = (long)seconds;
        if (s < HOUR)
            snprintf(buf, len, "%ldm%02lds", s / MINUTE, s % MINUTE);
        else if (s < DAY)
            snprintf(buf, len, "%ldh%02ldm", s / HOUR, s % HOUR / MINUTE);
        else
            snprintf(buf, len, "%ldd%02ldh", s / DAY, s % DAY / HOUR);
    }
}

void runview_relative(double t, double now, char *buf, size_t len)
{
    char d[RUNVIEW_TEXT_MAX];

    if (fabs(t - now) < RUNVIEW_NOW_WINDOW) {
        snprintf(buf, len, "now");
        return;
    }
    runview_duration(fabs(t - now), d, sizeof d);
    if (t > now)
        snprintf(buf, len, "in %s", d);
    else
        snprintf(buf, len, "%s ago", d);
}

void runview_ago(double t, double now, char *buf, size_t len)
{
    long s = (long)(now - t);

    if (t <= 0)
        snprintf(buf, len, "-");
    else if (s < 1)
        snprintf(buf, len, "just now");
    else if (s < MINUTE)
        snprintf(buf, len, "%ld s ago", s);
    else if (s < HOUR)
        snprintf(buf, len, "%ld min ago", s / MINUTE);
    else if (s < DAY)
        snprintf(buf, len, "%ld h ago", s / HOUR);
    else
        snprintf(buf, len, "%ld day%s ago", s / DAY, s / DAY == 1 ? "" : "s");
}

void runview_when(const struct tz *zone, double t, double now, char *buf, size_t len)
{
    char at[RUNVIEW_TEXT_MAX], rel[RUNVIEW_TEXT_MAX];

    if (t <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    runview_time(zone, t, at, sizeof at);
    runview_relative(t, now, rel, sizeof rel);
    snprintf(buf, len, "%s (%s)", at, rel);
}

void runview_outcome(const json_t *run, char *buf, size_t len)
{
    const char *status = json_string_value(json_object_get(run, "status"));
    const json_t *duration = json_object_get(run, "duration");
    json_int_t code = json_integer_value(json_object_get(run, "exit_code"));
    json_int_t sig = json_integer_value(json_object_get(run, "signal"));
    char detail[RUNVIEW_TEXT_MAX] = "";
    char took[RUNVIEW_TEXT_MAX] = "";

    if (!status) {
        snprintf(buf, len, "-");
        return;
    }
    if (sig)
        snprintf(detail, sizeof detail, " (signal %lld)", (long long)sig);
    else if (code && strcmp(status, "success") != 0 &&
             !json_is_string(json_object_get(run, "error")))
        snprintf(detail, sizeof detail, " (exit %lld)", (long long)code);
    if (json_is_number(duration)) {
        took[0] = ' ';
        runview_duration(json_number_value(duration), took + 1, sizeof took - 1);
    }
    snprintf(buf, len, "%s%s%s", status, detail, took);
}
