/* fuzz_dsl.c — libFuzzer target: the schedule DSL (lua/dsl.lua run in the
 * sandbox) on any expression, within the wall-clock budget of fuzz.h; an
 * accepted schedule set must fire strictly after any instant. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *expr = fuzz_cstring(data, size);
    char err[SCHEDULE_ERR_MAX];
    struct schedule_set set;
    int rc;

    fuzz_budget_set(FUZZ_BUDGET_MS);
    rc = sandbox_eval_schedule(expr, &set, err, sizeof err);
    fuzz_budget_set(0);
    if (rc == 0) {
        fuzz_check_set(&set);
        schedule_set_free(&set);
    }
    free(expr);
    return 0;
}
