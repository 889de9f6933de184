/* fuzz_cron.c — libFuzzer target: cron_parse on any text, and for every
 * expression it accepts, next fires in UTC and Europe/Berlin that move
 * strictly forward. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *expr = fuzz_cstring(data, size);
    char err[SCHEDULE_ERR_MAX];
    struct schedule s = {
        .kind = SCHEDULE_CRON,
        .n = 1,
        .weekday = -1,
        .at_hour = -1,
        .at_minute = -1,
        .at_second = -1,
    };

    if (cron_parse(expr, &s.cron, err, sizeof err) == 0)
        fuzz_check_schedule(&s);
    free(expr);
    return 0;
}
