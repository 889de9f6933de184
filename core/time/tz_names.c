/* tz_names.c — "did you mean …?" for a zone name the tzdata folder lacks.
 *
 * Only an unknown name pays for it: the folder is walked (a few hundred
 * files, three levels deep at most) and the closest zone name is offered.
 * The posix/ and right/ trees repeat the same names and are skipped.
 */
#include "tz_names.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/suggest.h"

#define TZ_NAMES_DEPTH 3 /* "America/Argentina/Buenos_Aires" */

struct names_walk {
    struct suggest near;
    char best[SUGGEST_WORD_MAX + 1];
};

/* A zone file's name starts with a capital letter ("Asia", "UTC"); the
 * folder's other files (zone.tab, tzdata.zi, leapseconds) do not. */
static bool looks_like_zone(const char *entry)
{
    return entry[0] >= 'A' && entry[0] <= 'Z';
}

static void walk(struct names_walk *w, const char *dir, const char *prefix, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        char path[PATH_MAX], name[PATH_MAX];
        struct stat st;

        if (!looks_like_zone(de->d_name))
            continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path ||
            snprintf(name, sizeof name, "%s%s", prefix, de->d_name) >= (int)sizeof name ||
            stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth + 1 < TZ_NAMES_DEPTH && strlen(name) + 1 < sizeof name) {
                strcat(name, "/");
                walk(w, path, name, depth + 1);
            }
        } else if (S_ISREG(st.st_mode)) {
            suggest_consider(&w->near, name);
            if (w->near.best == name) { /* keep it beyond this frame */
                /* suggest_consider takes only names of SUGGEST_WORD_MAX bytes */
                memcpy(w->best, name, strlen(name) + 1);
                w->near.best = w->best;
            }
        }
    }
    closedir(d);
}

bool tz_names_suggest(const char *dir, const char *name, char *out, size_t len)
{
    struct names_walk w;

    suggest_init(&w.near, name);
    w.best[0] = '\0';
    walk(&w, dir, "", 0);
    if (!w.near.best)
        return false;
    snprintf(out, len, "%s", w.near.best);
    return true;
}
