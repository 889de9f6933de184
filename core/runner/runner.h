/* runner.h — the run process, `main __run` (runner.c), and the fork server
 * that starts run processes without an exec (forkd.c). */
#ifndef RUNNER_H
#define RUNNER_H

/* The child side of a run: read the request the executor sent on fd 3,
 * run the task and report on fd 3.  Returns the process exit code. */
int runner_main(void);

/* The fork server, `main __forkserver` (forkd.c): forks run processes that
 * go on in runner_main.  `argv` is main's: a child renames itself in it.
 * Returns the process exit code. */
int forkd_main(char **argv);

#endif
