/* embedded.h — the Lua runtime files of lua/, compiled into the binary.
 *
 * The build turns each lua/NAME.lua into an entry of embedded_lua[] (see
 * the Makefile), so the program never searches a path for its own Lua code.
 */
#ifndef EMBEDDED_H
#define EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *name; /* "dsl" for lua/dsl.lua */
    const unsigned char *data;
    size_t len;
};

extern const struct embedded_file embedded_lua[];
extern const size_t embedded_lua_count;

/* The embedded file called `name`, or NULL. */
const struct embedded_file *embedded_find(const char *name);

#endif
