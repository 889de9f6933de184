/* proctitle.c — the daemon's process title (see proctitle.h). */
#include "proctitle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

extern char **environ;

static char *area; /* argv[0]'s memory, then the strings after it */
static size_t area_len;
static char **argv_copy, **environ_copy; /* kept for the process's life */
/* environ_copy's strings, held here too: unsetenv takes an entry out of
 * the array environ points to, and the string would be lost (a leak). */
static char **environ_owned;

/* Copies of `count` strings in a NULL-terminated array, or NULL. */
static char **copy_strings(char *const *strings, size_t count)
{
    char **copy = calloc(count + 1, sizeof *copy);

    for (size_t i = 0; copy && i < count; i++) {
        if (!(copy[i] = strdup(strings[i]))) {
            while (i > 0)
                free(copy[--i]);
            free(copy);
            return NULL;
        }
    }
    return copy;
}

static void free_strings(char **strings)
{
    for (size_t i = 0; strings && strings[i]; i++)
        free(strings[i]);
    free(strings);
}

int proctitle_init(int argc, char **argv)
{
    size_t env_count = 0;
    char *start, *end;

    if (argc < 1)
        return -1;
    while (environ && environ[env_count])
        env_count++;
    argv_copy = copy_strings(argv, (size_t)argc);
    environ_copy = copy_strings(environ, env_count);
    environ_owned = environ_copy ? calloc(env_count + 1, sizeof *environ_owned) : NULL;
    if (!argv_copy || !environ_copy || !environ_owned) {
        free_strings(argv_copy);
        free_strings(environ_copy);
        free(environ_owned);
        argv_copy = environ_copy = environ_owned = NULL;
        return -1;
    }
    memcpy(environ_owned, environ_copy, env_count * sizeof *environ_owned);
    /* The area: argv's strings, and environ's where they follow on. */
    start = end = argv[0];
    for (int i = 0; i < argc; i++)
        if (argv[i] == end)
            end = argv[i] + strlen(argv[i]) + 1;
    for (size_t i = 0; i < env_count; i++)
        if (environ[i] == end)
            end = environ[i] + strlen(environ[i]) + 1;
    for (int i = 0; i < argc; i++)
        argv[i] = argv_copy[i];
    environ = environ_copy;
    area = start;
    area_len = (size_t)(end - start);
    return 0;
}

void proctitle_set(const char *root)
{
    if (prctl(PR_SET_NAME, PROCTITLE_NAME, 0, 0, 0) != 0)
        perror("prctl(PR_SET_NAME)"); /* only ps -o comm loses */
    if (!area || area_len < 2)
        return;
    /* NULs after the title: /proc/PID/cmdline ends it there. */
    memset(area, 0, area_len);
    snprintf(area, area_len, PROCTITLE_NAME ": %s", root);
}
