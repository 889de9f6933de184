/* fuzz_task.c — libFuzzer target: task_load, the task file validator, on
 * any file content.  The sandbox's instruction and memory limits must hold
 * (run with -timeout and -rss_limit_mb); an accepted task's schedules must
 * fire strictly after any instant. */
#include "fuzz.h"
#include "task/task.h"

#define FUZZ_TASK_PATH "fuzz.lua"
#define FUZZ_TASK_NAME "fuzz"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[TASK_ERR_MAX];
    struct task t;

    if (task_load(FUZZ_TASK_PATH, FUZZ_TASK_NAME, (const char *)data, size, &t, err,
                  sizeof err) == 0) {
        fuzz_check_set(&t.schedules);
        task_free(&t);
    }
    return 0;
}
