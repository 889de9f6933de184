/* filemode.h — what the program creates is its user's alone: the modes of
 * its folders and files, and the umask it runs with.
 *
 * Folders are made FILEMODE_DIR and files FILEMODE_FILE wherever the call
 * takes a mode.  main() sets the umask FILEMODE_UMASK once at start, so
 * that what is created without a mode of ours (the pid file, SQLite's
 * backups, luarocks' tree) is private too.  Task code is not the program:
 * a run process gives it back the umask the program was started with (the
 * run request carries it), so the files a task writes come out as they
 * would from cron.
 */
#ifndef FILEMODE_H
#define FILEMODE_H

#include <sys/types.h>

#define FILEMODE_DIR 0700
#define FILEMODE_FILE 0600
#define FILEMODE_UMASK 077 /* also: the bits that open a file to group or others */

/* Set the umask to FILEMODE_UMASK, remembering the one the process had.
 * Called once, first thing in main(). */
void filemode_set_umask(void);

/* The umask the process had before filemode_set_umask (its current one
 * when that was never called). */
mode_t filemode_inherited_umask(void);

#endif
