/* taskname.c — "no task named …, did you mean …": the names are read from
 * the task files without evaluating any (discovery's `known` says every
 * content is judged already), so the check costs a walk of the folder. */
#include "taskname.h"

#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "lib/suggest.h"
#include "task/discovery.h"

#define TASKNAME_ERR_MAX 512

static bool taskname_known(void *data, const char *name, const char *path, const char *hash)
{
    (void)data, (void)name, (void)path, (void)hash;
    return true;
}

int taskname_check(const struct cli_options *opt, const char *command, const char *name)
{
    const struct discovery_options dopt = {
        .tasks_dir = opt->tasks_dir,
        .jobs_file = opt->jobs_file,
        .pattern = opt->config->tasks.pattern,
        .include_examples = true,
        .known = taskname_known,
    };
    struct discovery found = {0};
    struct suggest near;
    char err[TASKNAME_ERR_MAX];
    int rc = 1;

    if (discovery_scan(&dopt, &found, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", command, err);
        rc = -1;
        goto done;
    }
    suggest_init(&near, name);
    for (size_t i = 0; i < found.count; i++) {
        if (strcmp(found.items[i].name, name) == 0) {
            rc = 0;
            goto done;
        }
        suggest_consider(&near, found.items[i].name);
    }
    if (near.best)
        fprintf(stderr, "%s: no task named '%s' (did you mean '%s'?)\n", command, name,
                near.best);
    else
        fprintf(stderr, "%s: no task named '%s'\n", command, name);
done:
    discovery_free(&found);
    return rc;
}
