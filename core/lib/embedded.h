/* embedded.h — files of the repository compiled into the binary: the Lua
 * runtime of lua/ and the API's core/api/openapi.json.
 *
 * The build turns each file of the Makefile's EMBED_SRC into an entry of
 * embedded_files[], named by its path in the repository ("lua/dsl.lua"),
 * so the program never searches a path for its own files.
 */
#ifndef EMBEDDED_H
#define EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *name; /* "lua/dsl.lua" */
    const unsigned char *data;
    size_t len;
};

extern const struct embedded_file embedded_files[];
extern const size_t embedded_files_count;

/* The embedded file called `name`, or NULL. */
const struct embedded_file *embedded_find(const char *name);

#endif
