/* watch.h — notice edits under the tasks folder, to the root's jobs.yaml
 * and to the config: config.yaml and the root's .env.
 *
 * libuv's fs events are not recursive on Linux, so every folder of the
 * tasks tree gets its own watcher (inotify underneath), and the set is
 * rebuilt after each burst of changes, so new sub-folders are watched too.
 * The config files are watched through their folders, which also sees an editor
 * replacing it by rename.  Bursts (an editor's write, rename and chmod, a
 * tool's truncate then write) are folded into one callback WATCH_SETTLE_MS
 * after the last event: long enough for what one save does (microseconds
 * to a few ms), short enough that a dropped file is scheduled well within
 * 100 ms.  A slower writer only costs a rescan that sees a half-written
 * file, whose error is cleared by the next one; the last good version of
 * the task stays in force meanwhile.
 */
#ifndef WATCH_H
#define WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#define WATCH_SETTLE_MS 50
#define WATCH_DIRS_MAX 256 /* folders watched under the tasks folder */

struct watch;

/* Watch tasks_dir (recursively), jobs_path and dotenv_path (files that
 * may not exist yet, through their folders) and config_path; after changes
 * settle, call `on_change(data, config_changed)`, config_changed when
 * config_path or dotenv_path changed.  NULL with a message in err. */
struct watch *watch_start(uv_loop_t *loop, const char *tasks_dir, const char *jobs_path,
                          const char *config_path, const char *dotenv_path,
                          void (*on_change)(void *data, bool config_changed), void *data,
                          char *err, size_t errlen);

/* Stop; the struct is freed once libuv has closed its handles. */
void watch_stop(struct watch *w);

#endif
