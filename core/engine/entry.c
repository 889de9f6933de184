/* entry.c — the lifetime of one task's entry.
 *
 * An entry is referenced by the engine's list (until its file is deleted)
 * and by every job and dependency install that points at it, so a run of a
 * deleted task can still be recorded under its name; it is freed with the
 * last of them.  Everything that frees an entry's versions lives here, below
 * the files that make and replace them.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "lib/utf8.h"
#include "log/log.h"

void entry_drop_staged(struct entry *en)
{
    if (!en->staging)
        return;
    task_free(en->staged);
    free(en->staged);
    en->staged = NULL;
    en->staging = false;
}

void entry_free(struct entry *en)
{
    if (en->loaded)
        task_free(&en->task);
    entry_drop_staged(en);
    alerts_streak_clear(&en->alerts);
    free(en->error);
    free(en->last.error);
    free(en->name);
    free(en->path);
    free(en);
}

void entry_unref(struct entry *en)
{
    if (--en->refs == 0 && en->removed)
        entry_free(en);
}

void entry_set_last_run(struct entry *en, enum store_status status, double started_at,
                        double finished_at, const char *error)
{
    struct last_run *last = &en->last;
    size_t len = error ? strcspn(error, "\n") : 0;

    last->ran = true;
    last->status = status;
    last->started_at = started_at;
    last->finished_at = finished_at;
    free(last->error);
    last->error = NULL;
    /* cut where a whole character ends, so the JSON string stays UTF-8 */
    len = utf8_prefix(error ? error : "", len, ENGINE_ERROR_LINE_MAX - 1);
    if (len > 0 && !(last->error = strndup(error, len)))
        log_error("%s: out of memory keeping its last error", en->name);
}
