/* control.h — the daemon's control socket (ROOT/data/scheduler.sock).
 *
 * The CLI talks to a running daemon through a Unix stream socket: one JSON
 * object per line in, one or more JSON objects per line out.  Requests:
 *
 *   {"cmd":"ping"}                  -> {"ok":true,"pid":N,"version":"..."}
 *   {"cmd":"status","user":"alice"} -> {"ok":true,"status":{engine_status_json}}
 *                                      ("user" is optional)
 *   {"cmd":"run","task":"NAME"}     -> {"ok":true,"run_id":N}, then
 *       {"type":"output","stream":"stdout"|"stderr"|"log","line":"..."} ...
 *       {"type":"done","run_id":N,"status":"success","exit_code":0,"error":null}
 *       ("exit_code" is null when a signal ended the run or it never began)
 *   {"cmd":"reset","tasks":["a"],"future_only":false,"dry_run":false}
 *                                   -> {"ok":true,"changes":[{"name",
 *                                      "old_next_fire","new_next_fire"}...]}
 *                                      (no "tasks": every task)
 *   {"cmd":"pause","tasks":["a","b"]}  -> {"ok":true,"paused":["a","b"],
 *                                      "unchanged":["b"]} (b was paused)
 *   {"cmd":"resume","tasks":["a"]}  -> {"ok":true,"resumed":["a"],"unchanged":[]}
 *                                      (engine_set_paused)
 *   {"cmd":"cancel","run_id":N}     -> {"ok":true,"cancelled":N,"task":"a",
 *                                      "by":"alice (uid 1000) via CLI"}, then
 *                                      the run is stopped (engine_cancel);
 *                                      "by" names the peer (SO_PEERCRED)
 *   {"cmd":"resolve","id":N,"note":"t"} -> {"ok":true,"alert":{…}}, alert N
 *                                      resolved by the peer with the note
 *                                      (engine_alert_resolve); an error when
 *                                      it is unknown or already resolved
 *   {"cmd":"reload"}                -> {"ok":true}, then the daemon reloads
 *                                      its config and tasks (as on SIGHUP)
 *   {"cmd":"stop"}                  -> {"ok":true,"pid":N}, then the daemon
 *                                      shuts down (as on SIGTERM)
 *
 * A request that cannot be served gets {"ok":false,"error":"..."}.  A line
 * longer than CONTROL_REQUEST_MAX bytes is refused and skipped up to its
 * newline; nothing a client sends can end the daemon or make it grow.  A
 * connection that follows no run is closed 5 s after its connect or its
 * last request, and a newer client takes the place of the one that waited
 * longest when all places are taken; such a connection hears why in one
 * last {"ok":false,"error":"closed: ..."} (control.c has the limits).
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <stddef.h>
#include <uv.h>

#define CONTROL_SOCKET_REL "data/scheduler.sock" /* under the project root */
#define CONTROL_REQUEST_MAX 65536                /* bytes, newline included */

struct engine;
struct control;

/* ROOT/data/scheduler.sock into buf (for the daemon and the CLI alike).
 * 0, or -1 with a message when it does not fit a Unix socket address. */
int control_socket_path(const char *root, char *buf, size_t len, char *err, size_t errlen);

/* Listen on socket_path.  The caller holds the daemon's lock, so a socket
 * file already there is a stale one from a dead daemon and is removed.
 * Returns the server, or NULL with a message in err. */
struct control *control_start(uv_loop_t *loop, struct engine *engine, const char *socket_path,
                              char *err, size_t errlen);

/* Close the listener and every client connection, remove the socket file,
 * and free the server once libuv has closed its handles.  Runs streamed to
 * a client keep running; their clients just stop hearing about them.  NULL
 * is ignored. */
void control_stop(struct control *control);

#endif
