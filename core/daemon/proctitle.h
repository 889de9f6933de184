/* proctitle.h — the daemon's name in ps and pgrep: "task-scheduler: ROOT".
 *
 * Linux shows a process's command line from the memory that held its
 * argv strings (environ's strings follow them).  proctitle_init, called
 * first thing in main, moves argv's and environ's strings to the heap so
 * that memory is free; proctitle_set then writes the title over it, as
 * BSD's setproctitle(3) does, and sets the short name (`comm`, 15 bytes)
 * that `ps -o comm` and plain `pgrep` match.
 */
#ifndef PROCTITLE_H
#define PROCTITLE_H

#define PROCTITLE_NAME "task-scheduler"

/* Give argv and environ heap copies of their strings and remember the area
 * they used.  0, or -1 when out of memory (argv and environ untouched). */
int proctitle_init(int argc, char **argv);

/* "task-scheduler: <root>", cut to the area's size.  Without a successful
 * proctitle_init only the short name changes. */
void proctitle_set(const char *root);

#endif
