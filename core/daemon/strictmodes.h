/* strictmodes.h — data/ and logs/ kept to the daemon's user, checked at
 * start as sshd's StrictModes checks ~/.ssh (scheduler.strict_modes,
 * default true; false skips both steps below).
 *
 * The rule, for ROOT/data and ROOT/logs:
 *   - missing: the daemon makes it 0700, as always;
 *   - not a folder, owned by another user than the daemon's, or writable by
 *     others or by a group other than the owner's own (its primary group,
 *     no one else listed in it — Debian's sshd allows that one too):
 *     start-up is refused before anything in it is opened
 *     (strictmodes_check).  Another user may have put or replaced files in
 *     it — a lock they hold, a symbolic link where the database goes — and
 *     the daemon cannot tell what it would trust; nor does it change such a
 *     folder's mode, which would hide that question;
 *   - readable or enterable by group or others (0755 from `mkdir -p`, an
 *     older version, or a tmpfs): made 0700, with one warning line in the
 *     log ("data/: mode 0755 -> 0700 (was readable by others)"), and every
 *     file and folder below it loses its group and other bits the same way
 *     (strictmodes_narrow).  Nothing else could have been put there, so
 *     all of it is the daemon's.  A top folder whose mode cannot be
 *     changed refuses start-up; an entry below only gets a warning.
 * The database with its -wal and -shm where database.path puts it outside
 * data/, and config/secrets.yaml, are narrowed too; their folders are left
 * as they are (another tree of the user's, not the daemon's).
 */
#ifndef STRICTMODES_H
#define STRICTMODES_H

#include <stddef.h>

/* Refuse data/ and logs/ under `root` as above.  0, or -1 with the reason
 * and what to do about it in err. */
int strictmodes_check(const char *root, char *err, size_t errlen);

/* Take group and other bits from data/ and logs/ and everything in them,
 * from the database files at `db_path` and from config/secrets.yaml,
 * logging each change.  0, or -1 with a message when data/ or logs/ could
 * not be changed. */
int strictmodes_narrow(const char *root, const char *db_path, char *err, size_t errlen);

#endif
