/* sandbox.h — the restricted Lua state that reads task files and schedule
 * expressions (DESIGN.md, "Task files").
 *
 * One fresh environment per use (a fresh state, or a kept one with fresh
 * globals: sandbox_reuse).  Its globals are the schedule DSL, string,
 * table, math, utf8, and the safe part of the base library.  The helper
 * tables (log, notify, exec, config, http, json, state), io, os, debug,
 * package, coroutine, require, load, dofile, loadfile, print and
 * collectgarbage are stubs raising "<mod>.<fn> is only available inside
 * run()".  A memory cap, an instruction budget, a budget of bytes
 * allocated in total and a wall-clock limit bound whatever the code does;
 * once one is hit the state fails every later instruction, so a pcall in
 * the code cannot swallow it.  Library loops the instruction count cannot
 * see are charged to it, and finalizers (__gc) are refused, since Lua runs
 * them with hooks off.  Errors are one line: "file:line: message".
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include <lua.h>

#include "schedule/schedule.h"

/* Limits of one sandbox: a task file's top level normally needs a few
 * hundred kilobytes and a few thousand instructions. */
#define SANDBOX_MEMORY_LIMIT_MIB 16
#define SANDBOX_MEMORY_LIMIT ((size_t)SANDBOX_MEMORY_LIMIT_MIB << 20)
#define SANDBOX_INSTRUCTION_LIMIT 10000000LL
/* Bytes allocated over the state's life, freed or not: one instruction
 * can copy megabytes (string.rep, ..), so counting instructions alone
 * does not bound the time a top level takes. */
#define SANDBOX_ALLOCATION_LIMIT_MIB 64
#define SANDBOX_ALLOCATION_LIMIT ((size_t)SANDBOX_ALLOCATION_LIMIT_MIB << 20)
/* CPU time of the thread from sandbox_open: instructions that each compare
 * or scan megabytes stay within both budgets above for hours.  CPU time,
 * not wall time, so a busy machine does not turn a file's verdict from
 * "allocation limit" into "time limit"; isolated.c's wall-clock deadline
 * stops what never uses the CPU. */
#define SANDBOX_TIME_LIMIT_MS 1000

struct sandbox;

/* A fresh sandbox, or NULL with a message in err. */
struct sandbox *sandbox_open(char *err, size_t errlen);

/* Close the state (no finalizer of the code's can run: there is none).
 * NULL is fine. */
void sandbox_close(struct sandbox *sb);

/* With `on`, a closed state that hit no limit is kept for the next
 * sandbox_open, which gives it fresh globals (a copy of the state as built,
 * every library table copied) and every budget from zero: building a state
 * was most of what evaluating a task file cost.  For the worker of a
 * batch (isolated.c), one file after another in one process; off closes
 * the kept state. */
void sandbox_reuse(bool on);

/* Run `code` as the top level of the task file `path` (chunkname
 * "@<path>", text only).  On success returns 0 and leaves the chunk's
 * first result on the stack; on failure returns -1, leaves the stack as it
 * was, and writes "path:line: message" into err. */
int sandbox_load_task(struct sandbox *sb, const char *path, const char *code, size_t len,
                      char *err, size_t errlen);

/* Code that reads what a chunk returned.  It finds that value at index 1
 * and returns 0, or -1 with its own message in err. */
typedef int sandbox_reader(lua_State *L, void *ud, char *err, size_t errlen);

/* Call `read` on the value on top of the stack in protected mode, so that a
 * limit hit while reading (by a finalizer, or memory running out) becomes
 * an error return rather than a panic.  Readers use raw accesses only
 * (lua_rawget, lua_rawlen, lua_next), so they read data and never run the
 * task's code again through a metamethod.  Leaves the stack as it was. */
int sandbox_protect(struct sandbox *sb, sandbox_reader *read, void *ud, char *err,
                    size_t errlen);

/* Evaluate `return <expr>` in a fresh sandbox and convert the result into
 * `out` (free it with schedule_set_free); a bare crontab line
 * ("0 9 * * MON-FRI", dsl_is_cron_line) is taken as cron() would take it.  Returns 0, or -1 with a message
 * without position ("every(n): expected an integer >= 1, got 0"). */
int sandbox_eval_schedule(const char *expr, struct schedule_set *out, char *err, size_t errlen);

#endif
