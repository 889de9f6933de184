/* filemode.c — the program's umask, and the one it inherited (filemode.h). */
#include "filemode.h"

#include <stdbool.h>
#include <sys/stat.h>

static mode_t inherited;
static bool set;

void filemode_set_umask(void)
{
    mode_t old = umask(FILEMODE_UMASK);

    if (!set)
        inherited = old;
    set = true;
}

mode_t filemode_inherited_umask(void)
{
    mode_t current;

    if (set)
        return inherited;
    current = umask(FILEMODE_UMASK);
    umask(current);
    return current;
}
