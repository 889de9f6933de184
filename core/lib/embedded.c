/* embedded.c — finding a file among those compiled in (embedded.h). */
#include "embedded.h"

#include <string.h>

const struct embedded_file *embedded_in(const struct embedded_file *files, const char *name)
{
    for (; files->name; files++)
        if (strcmp(files->name, name) == 0)
            return files;
    return NULL;
}

const struct embedded_file *embedded_find(const char *name)
{
    return embedded_in(embedded_files, name);
}
