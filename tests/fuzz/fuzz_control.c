/* fuzz_control.c — libFuzzer target: control_request_parse, the control
 * socket's request parser, on any line; what it accepts must be complete
 * (a "run" has a task, a "reset" list holds only names). */
#include "daemon/control_request.h"
#include "fuzz.h"

#define FUZZ_REPLY_MAX 256 /* the size control.c replies from */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[FUZZ_REPLY_MAX];
    struct control_request req;

    if (control_request_parse((const char *)data, size, &req, err, sizeof err) < 0) {
        if (strlen(err) == 0)
            fuzz_fail("refused without a message", "control request");
        return 0;
    }
    if (req.cmd == CONTROL_CMD_RUN && !req.task)
        fuzz_fail("run without a task", "control request");
    for (size_t i = 0; i < req.task_count; i++)
        if (!req.tasks[i])
            fuzz_fail("reset with a task that is not a name", "control request");
    control_request_free(&req);
    return 0;
}
