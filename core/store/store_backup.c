/* store_backup.c — online backups with SQLite's backup API.
 *
 * The backup API copies pages while the daemon keeps writing; it restarts
 * by itself when the source changes under it.  The copy goes to a
 * temporary file renamed into place, so a backup file is always whole.
 */
#include "store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEMP_SUFFIX ".tmp"
#define BACKUP_PAGES_PER_STEP -1 /* all at once: the database is small */
#define BACKUP_RETRY_MS 50
#define BACKUP_MAX_RETRIES 100 /* 5 s at most of a locked source */

static int copy_into(sqlite3 *src, sqlite3 *dest)
{
    sqlite3_backup *b = sqlite3_backup_init(dest, "main", src, "main");
    if (!b)
        return sqlite3_errcode(dest);
    int rc, retries = 0;
    do {
        rc = sqlite3_backup_step(b, BACKUP_PAGES_PER_STEP);
        if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && retries++ < BACKUP_MAX_RETRIES)
            sqlite3_sleep(BACKUP_RETRY_MS);
        else if (rc != SQLITE_OK)
            break;
    } while (true);
    int finish = sqlite3_backup_finish(b);
    return rc == SQLITE_DONE ? finish : rc;
}

int store_backup(struct store *st, const char *dest_path, char *err, size_t errlen)
{
    int rc = -1;
    sqlite3 *dest = NULL;
    size_t len = strlen(dest_path) + sizeof TEMP_SUFFIX;
    char *tmp = malloc(len);

    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", dest_path);
        return -1;
    }
    snprintf(tmp, len, "%s%s", dest_path, TEMP_SUFFIX);
    if (unlink(tmp) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        goto done;
    }
    if (sqlite3_open_v2(tmp, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", tmp, dest ? sqlite3_errmsg(dest) : "out of memory");
        goto done;
    }
    int copied = copy_into(st->db, dest);
    if (copied != SQLITE_OK) {
        snprintf(err, errlen, "backup to %s: %s", dest_path, sqlite3_errstr(copied));
        goto done;
    }
    int closed = sqlite3_close(dest);
    dest = NULL;
    if (closed != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", tmp, sqlite3_errstr(closed));
        goto done;
    }
    if (rename(tmp, dest_path) != 0) {
        snprintf(err, errlen, "%s: %s", dest_path, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    if (dest)
        sqlite3_close(dest);
    if (rc != 0)
        unlink(tmp); /* may not exist; nothing more to report */
    free(tmp);
    return rc;
}
