/* rowsource_readers.c — the table readers by URL scheme (rowsource_find),
 * apart from rowsource.c so that the readers, which use rowsource.c's
 * conversions, and the table that lists them make no circle. */
#include "rowsource.h"
#include "rowsource_pg.h"

#include <string.h>

/* One line per reader. */
static const struct rowsource_ops *const readers[] = {
    &rowsource_sqlite,
    &rowsource_pg,
};

const struct rowsource_ops *rowsource_find(const char *url)
{
    for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++)
        if (strncmp(url, readers[i]->scheme, strlen(readers[i]->scheme)) == 0)
            return readers[i];
    return NULL;
}
