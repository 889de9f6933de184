/* datawatch.h — noticing ROOT/data/ removed or moved away while the daemon
 * runs.
 *
 * data/ holds the three things that make the daemon the only one of its
 * root: the lock, the control socket and the store.  `rm -rf data` takes
 * them all while the daemon keeps their open descriptors, so the CLI no
 * longer reaches it and a second daemon would start.  An inotify watch on
 * ROOT (uv_fs_event) reports every change of the entry named "data"; the
 * daemon then checks whether its lock file is still in place
 * (lock_is_at) and, when not, starts again on a fresh data/ (daemon.c).
 */
#ifndef DATAWATCH_H
#define DATAWATCH_H

#include <stddef.h>

#include <uv.h>

#define DATAWATCH_NAME "data" /* the folder watched, under the root */

struct datawatch;

/* Watch `root` on `loop`; on_change(data) runs when ROOT/data is created,
 * removed or renamed.  NULL with a message in err on failure. */
struct datawatch *datawatch_start(uv_loop_t *loop, const char *root,
                                  void (*on_change)(void *data), void *data, char *err,
                                  size_t errlen);

/* Stop watching and free the watch once libuv has closed it; NULL is
 * ignored. */
void datawatch_stop(struct datawatch *w);

#endif
