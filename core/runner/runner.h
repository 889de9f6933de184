/* runner.h — the run process, `main __run` (runner.c). */
#ifndef RUNNER_H
#define RUNNER_H

/* The child side of a run: read the request the executor sent on fd 3,
 * run the task and report on fd 3.  Returns the process exit code. */
int runner_main(void);

#endif
