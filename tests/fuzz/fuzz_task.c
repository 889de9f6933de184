/* fuzz_task.c — libFuzzer target: task_load, the task file validator, on
 * any file content, in this process (not through the worker of
 * isolated.c): the sandbox's own limits must hold, its memory cap
 * (-rss_limit_mb) and its time limit (FUZZ_BUDGET_MS of wall clock per
 * input, fuzz.h); an accepted task's schedules must fire strictly after
 * any instant. */
#include "fuzz.h"
#include "task/task.h"

#define FUZZ_TASK_PATH "fuzz.lua"
#define FUZZ_TASK_NAME "fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[TASK_ERR_MAX];
    struct task t;
    int rc;

    fuzz_budget_set(FUZZ_BUDGET_MS);
    rc = task_load(FUZZ_TASK_PATH, FUZZ_TASK_NAME, (const char *)data, size, &t, err,
                   sizeof err);
    fuzz_budget_set(0);
    if (rc == 0) {
        fuzz_check_set(&t.schedules);
        task_free(&t);
    }
    return 0;
}
