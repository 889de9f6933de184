/* embedded.h — files of the repository compiled into the binary: the Lua
 * runtime of lua/, the API's core/api/openapi.json and the dashboard of
 * core/api/dashboard/.
 *
 * The build (scripts/embed.sh, run by the Makefile) turns each file into an
 * entry of an array ended by a {NULL, NULL, 0} entry, so the program never
 * searches a path for its own files.
 */
#ifndef EMBEDDED_H
#define EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *name; /* "lua/dsl.lua"; "app.HASH.js" for the dashboard */
    const unsigned char *data;
    size_t len;
};

/* The Lua runtime and the OpenAPI document, named by their paths in the
 * repository. */
extern const struct embedded_file embedded_files[];
/* The dashboard's files under the names they are served by, each also as
 * NAME.gz, gzip-compressed at build time. */
extern const struct embedded_file embedded_dashboard[];

/* The file called `name` in `files`, or NULL. */
const struct embedded_file *embedded_in(const struct embedded_file *files, const char *name);

/* The file of embedded_files called `name` ("lua/dsl.lua"), or NULL. */
const struct embedded_file *embedded_find(const char *name);

#endif
