/* test_strictmodes.c — the StrictModes rule for data/ and logs/: what is
 * refused, what is made private, and what is left alone. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/strictmodes.h"
#include "testing.h"

#define ERR_MAX 4096
#define NOBODY 65534 /* a uid and gid that are not ours (needs root to give away) */

static char root[] = "/tmp/test_strictmodes_XXXXXX";

static void path_of(const char *rel, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", root, rel);
}

static void make(const char *rel, mode_t mode, bool folder)
{
    char path[512];
    FILE *f;

    path_of(rel, path, sizeof path);
    if (folder)
        CHECK(mkdir(path, mode) == 0, "mkdir %s", path);
    else if ((f = fopen(path, "w")))
        CHECK(fclose(f) == 0, "close %s", path);
    CHECK(chmod(path, mode) == 0, "chmod %s", path);
}

static int mode_of(const char *rel)
{
    char path[512];
    struct stat st;

    path_of(rel, path, sizeof path);
    return lstat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void reset(void)
{
    char cmd[600];

    snprintf(cmd, sizeof cmd, "rm -rf '%s/data' '%s/logs' '%s/config' '%s/outside'", root, root,
             root, root);
    CHECK(system(cmd) == 0, "%s", cmd);
}

static int check(char *err)
{
    err[0] = '\0';
    return strictmodes_check(root, err, ERR_MAX);
}

static int narrow(const char *db_rel, char *err)
{
    char db[512];

    path_of(db_rel, db, sizeof db);
    return strictmodes_narrow(root, db, err, ERR_MAX);
}

static void missing_folders_pass(void)
{
    char err[ERR_MAX];

    reset();
    CHECK_INT(check(err), 0);
}

/* An older install: 0755 folders, 0644 files.  All of it is made private,
 * except what a symbolic link points to. */
static void readable_install_is_made_private(void)
{
    char err[ERR_MAX], link[512], target[512];

    reset();
    make("data", 0755, true);
    make("data/scheduler.db", 0644, false);
    make("data/scheduler.lock", 0644, false);
    make("data/backups", 0755, true);
    make("data/backups/scheduler-20260101-000000.db", 0644, false);
    make("logs", 0750, true);
    make("logs/tasks", 0755, true);
    make("logs/tasks/one.log", 0640, false);
    make("logs/tasks.log.1", 0604, false);
    make("config", 0755, true);
    make("config/secrets.yaml", 0644, false);
    make("config/config.yaml", 0644, false);
    make("outside", 0755, true);
    make("outside/target", 0644, false);
    path_of("outside/target", target, sizeof target);
    path_of("data/link", link, sizeof link);
    CHECK(symlink(target, link) == 0, "symlink %s", link);

    CHECK(check(err) == 0, "check: %s", err);
    CHECK(narrow("data/scheduler.db", err) == 0, "narrow: %s", err);
    CHECK_INT(mode_of("data"), 0700);
    CHECK_INT(mode_of("data/scheduler.db"), 0600);
    CHECK_INT(mode_of("data/scheduler.lock"), 0600);
    CHECK_INT(mode_of("data/backups"), 0700);
    CHECK_INT(mode_of("data/backups/scheduler-20260101-000000.db"), 0600);
    CHECK_INT(mode_of("logs"), 0700);
    CHECK_INT(mode_of("logs/tasks"), 0700);
    CHECK_INT(mode_of("logs/tasks/one.log"), 0600);
    CHECK_INT(mode_of("logs/tasks.log.1"), 0600);
    CHECK_INT(mode_of("config/secrets.yaml"), 0600);
    CHECK_INT(mode_of("config/config.yaml"), 0644);
    CHECK_INT(mode_of("outside/target"), 0644);
}

/* database.path outside data/: the file and its -wal and -shm, not their
 * folder. */
static void database_outside_data_is_made_private(void)
{
    char err[ERR_MAX];

    reset();
    make("outside", 0755, true);
    make("outside/my.db", 0644, false);
    make("outside/my.db-wal", 0644, false);
    make("outside/my.db-shm", 0664, false);
    make("data", 0700, true);
    make("logs", 0700, true);
    CHECK(narrow("outside/my.db", err) == 0, "narrow: %s", err);
    CHECK_INT(mode_of("outside/my.db"), 0600);
    CHECK_INT(mode_of("outside/my.db-wal"), 0600);
    CHECK_INT(mode_of("outside/my.db-shm"), 0600);
    CHECK_INT(mode_of("outside"), 0755);
}

static void writable_by_others_is_refused_and_left_alone(void)
{
    char err[ERR_MAX];

    reset();
    make("data", 0777, true);
    CHECK_INT(check(err), -1);
    CHECK(strstr(err, "/data: writable by others (mode 0777)") &&
              strstr(err, "scheduler.strict_modes: false"),
          "the reason and the option, got: %s", err);
    CHECK_INT(mode_of("data"), 0777);
    reset();
    make("logs", 01777, true); /* a fresh tmpfs */
    CHECK_INT(check(err), -1);
    CHECK(strstr(err, "/logs: writable by others (mode 1777)"), "got: %s", err);
}

static void a_file_is_refused(void)
{
    char err[ERR_MAX];

    reset();
    make("data", 0600, false);
    CHECK_INT(check(err), -1);
    CHECK(strstr(err, "/data: not a folder"), "got: %s", err);
}

/* Group-writable is refused unless the group is the owner's own (as
 * Debian's sshd has it): root's primary group lists no one. */
static void group_writable_needs_the_owners_own_group(void)
{
    char err[ERR_MAX], path[512];

    if (geteuid() != 0) {
        printf("# skipped: needs root to change a folder's group\n");
        return;
    }
    reset();
    make("data", 0775, true);
    CHECK(check(err) == 0, "0775 in root's own group: %s", err);
    path_of("data", path, sizeof path);
    CHECK(chown(path, 0, NOBODY) == 0, "chgrp %s", path);
    CHECK_INT(check(err), -1);
    CHECK(strstr(err, "/data: writable by its group (mode 0775)"), "got: %s", err);
}

static void another_users_folder_is_refused(void)
{
    char err[ERR_MAX], path[512];

    if (geteuid() != 0) {
        printf("# skipped: needs root to give a folder away\n");
        return;
    }
    reset();
    make("logs", 0700, true);
    path_of("logs", path, sizeof path);
    CHECK(chown(path, NOBODY, NOBODY) == 0, "chown %s", path);
    CHECK_INT(check(err), -1);
    CHECK(strstr(err, "/logs: owned by ") && strstr(err, "(uid 65534), not by ") &&
              strstr(err, "the user the daemon runs as"),
          "got: %s", err);
}

int main(void)
{
    char cmd[600];

    if (!mkdtemp(root))
        return 1;
    RUN(missing_folders_pass);
    RUN(readable_install_is_made_private);
    RUN(database_outside_data_is_made_private);
    RUN(writable_by_others_is_refused_and_left_alone);
    RUN(a_file_is_refused);
    RUN(group_writable_needs_the_owners_own_group);
    RUN(another_users_folder_is_refused);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        return 1;
    TESTING_EXIT();
}
