/* cmd_show.c — `main show RUN_ID [--json]` (and `history --show RUN_ID`):
 * one run in full.
 *
 * Everything the store keeps of the run: its times in the configured zone
 * with their offset, exit code or signal, peak memory, CPU time, return
 * value, the whole error with its traceback, and its whole output and log
 * lines as the store keeps them (logging.run_output_max), or the tail of
 * its output for a run that kept none (still running, or older).
 * --json prints the run as `history --json` lists it.  Read from the store,
 * so it works with or without a daemon.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lib/utf8.h"
#include "runview.h"
#include "store/store.h"
#include "table.h"
#include "taskview.h"
#include "time/instant_json.h"

#define SHOW_ERR_MAX 512
#define SHOW_KIB_PER_MIB 1024.0

struct show_found {
    const struct tz *zone;
    json_t *run;
};

static int show_take(const struct store_run *run, void *ud)
{
    struct show_found *found = ud;

    found->run = store_run_json(run, found->zone);
    return 0;
}

/* "  label        value"; the value's control characters escaped, as a
 * run's text is the task's (lib/utf8.h). */
static void show_field(const char *label, const char *value)
{
    printf("  %-12s ", label);
    if (value && *value)
        (void)utf8_write_escaped(stdout, value, strlen(value)); /* ferror: fflush at the end */
    else
        putchar('-');
    putchar('\n');
}

static void show_instant(const struct tz *zone, const json_t *run, const char *label,
                         const char *key)
{
    char iso[TZ_ISO_MAX] = "";
    double t = instant_json_get(run, key);

    if (t > 0)
        tz_format_iso(zone, (int64_t)floor(t), iso, sizeof iso);
    show_field(label, iso);
}

/* A titled block of text, each line indented; nothing when there is none. */
static void show_block(const char *title, const char *text)
{
    if (!text || !*text)
        return;
    printf("%s\n", title);
    while (*text) {
        size_t n = strcspn(text, "\n");
        fputs("  ", stdout);
        (void)utf8_write_escaped(stdout, text, n);
        putchar('\n');
        text += n + (text[n] == '\n');
    }
}

/* `output` is the run's whole kept output (store_run_output), or NULL:
 * then the tail its row has. */
static void show_print(const struct tz *zone, const json_t *run, const char *output)
{
    const char *task = json_string_value(json_object_get(run, "task"));
    const json_t *code = json_object_get(run, "exit_code");
    const json_t *sig = json_object_get(run, "signal");
    const json_t *rss = json_object_get(run, "peak_rss_kb");
    const json_t *cpu = json_object_get(run, "cpu_ms");
    const json_t *duration = json_object_get(run, "duration");
    const json_t *result = json_object_get(run, "result");
    char text[RUNVIEW_TEXT_MAX] = "", title[RUNVIEW_WHEN_MAX];
    char *dumped = NULL;

    printf("run %lld of %s: %s\n", (long long)json_integer_value(json_object_get(run, "id")),
           task, json_string_value(json_object_get(run, "status")));
    snprintf(text, sizeof text, "%s, attempt %lld",
             json_string_value(json_object_get(run, "trigger")),
             (long long)json_integer_value(json_object_get(run, "attempt")));
    show_field("trigger", text);
    show_instant(zone, run, "scheduled", "scheduled_for");
    show_instant(zone, run, "queued", "queued_at");
    show_instant(zone, run, "started", "started_at");
    show_instant(zone, run, "finished", "finished_at");
    text[0] = '\0';
    if (json_is_number(duration))
        runview_duration(json_number_value(duration), text, sizeof text);
    show_field("duration", text);
    text[0] = '\0';
    if (json_is_integer(sig))
        snprintf(text, sizeof text, "signal %lld (%s)", (long long)json_integer_value(sig),
                 strsignal((int)json_integer_value(sig)));
    else if (json_is_integer(code))
        snprintf(text, sizeof text, "exit code %lld", (long long)json_integer_value(code));
    show_field("ended by", text);
    text[0] = '\0';
    if (json_is_integer(rss))
        snprintf(text, sizeof text, "%.1f MiB",
                 (double)json_integer_value(rss) / SHOW_KIB_PER_MIB);
    show_field("peak memory", text);
    text[0] = '\0';
    if (json_is_integer(cpu))
        runview_duration((double)json_integer_value(cpu) / 1000.0, text, sizeof text);
    show_field("cpu time", text);
    show_field("task file", json_string_value(json_object_get(run, "file_hash")));
    if (!json_is_null(result))
        dumped = json_dumps(result, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    show_field("returned", dumped);
    free(dumped);
    show_block("error:", json_string_value(json_object_get(run, "error")));
    if (output) {
        show_block("output:", output);
        return;
    }
    snprintf(title, sizeof title,
             "output (its last lines; all of it is in logs/tasks/%s.log):", task);
    show_block(title, json_string_value(json_object_get(run, "output_tail")));
}

int cmd_show_run(const struct cli_options *opt, const char *command, const char *id)
{
    struct show_found found = {.zone = opt->default_zone};
    char err[SHOW_ERR_MAX], *end, *output = NULL;
    struct store *st;
    long long n;
    int got, rc = 1;

    errno = 0;
    n = strtoll(id, &end, 10);
    if (errno || end == id || *end != '\0' || n < 1) {
        cli_bad_args(command, "expected a run id (a whole number from 1), got '%s'", id);
        return EXIT_USAGE;
    }
    if (!(st = taskview_store_open(opt, err, sizeof err))) {
        fprintf(stderr, "%s: %s\n", command, err);
        return 1;
    }
    got = store_run_get(st, (int64_t)n, show_take, &found);
    if (got < 0)
        fprintf(stderr, "%s: %s\n", command, store_error(st));
    else if (got == 0)
        fprintf(stderr, "%s: no run %lld\n", command, n);
    else if (!found.run)
        fprintf(stderr, "%s: out of memory\n", command);
    else if (opt->json)
        rc = table_print_json(found.run, stdout) == 0 && fflush(stdout) == 0 ? 0 : 1;
    else if (store_run_output(st, (int64_t)n, &output) < 0)
        fprintf(stderr, "%s: %s\n", command, store_error(st));
    else {
        show_print(opt->default_zone, found.run, output);
        rc = fflush(stdout) == 0 ? 0 : 1;
    }
    free(output);
    json_decref(found.run);
    store_close(st);
    return rc;
}

static int show_exec(const struct cli_options *opt, int argc, char **argv)
{
    const char *id = NULL;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-' && !id)
            id = argv[i];
        else {
            cli_bad_arg("show", argv[i], false);
            return cli_command_usage(&cmd_show_entry);
        }
    }
    if (!id) {
        cli_bad_args("show", "which run? (show RUN_ID, the ID column of history)");
        return cli_command_usage(&cmd_show_entry);
    }
    rc = cmd_show_run(opt, "show", id);
    return rc == EXIT_USAGE ? cli_command_usage(&cmd_show_entry) : rc;
}

const struct cli_command cmd_show_entry = {
    .name = "show",
    .usage = "RUN_ID [--json]",
    .help = "one run in full: times, exit, memory, error, output",
    .lenient = true,
    .exec = show_exec,
};
