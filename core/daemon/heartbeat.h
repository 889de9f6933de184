/* heartbeat.h — the daemon's own liveness ping: while alerts.heartbeat_url
 * is set, it is POSTed every alerts.heartbeat_interval seconds (the first
 * at once), by a `main __notify` child (pings.h), so a monitor outside
 * notices a daemon that died or hangs. */
#ifndef HEARTBEAT_H
#define HEARTBEAT_H

#include <stddef.h>

#include <uv.h>

#include "config/config.h"

struct heartbeat;

/* Start on `loop`; `program` runs `__notify`, with `config_path`.  The
 * settings of `cfg` are copied.  NULL with a message in err on failure. */
struct heartbeat *heartbeat_start(uv_loop_t *loop, const char *program, const char *config_path,
                                  const struct config *cfg, char *err, size_t errlen);

/* Use a reloaded config's heartbeat settings: a changed URL or interval
 * pings at once and then at the new interval; "" stops it. */
void heartbeat_apply_config(struct heartbeat *hb, const struct config *cfg);

/* Stop; the memory goes once the loop has closed the timer.  NULL is ok. */
void heartbeat_stop(struct heartbeat *hb);

#endif
