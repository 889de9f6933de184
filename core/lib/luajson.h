/* luajson.h — convert between Lua values and jansson values.
 *
 * Shared by the json module, http (a table body is sent as JSON), the run
 * process (a run's return value is stored as JSON) and the task fields (a
 * task's `args`).  The mapping:
 *   nil, json.null (the light userdata NULL)  <->  null
 *   boolean <-> true/false, integer <-> integer, float <-> real, string <-> string
 *   table with keys 1..n (n > 0), or an empty table whose metatable is
 *   LUAJSON_ARRAY_MT  <->  array (decoded arrays get that metatable)
 *   table with string keys  <->  object
 */
#ifndef LUAJSON_H
#define LUAJSON_H

#include <stddef.h>

#include <jansson.h>
#include <lua.h>

/* Registry name of the metatable that marks a table as a JSON array. */
#define LUAJSON_ARRAY_MT "json.array"

/* Deepest nesting luajson_to_json accepts (also bounds its C recursion). */
#define LUAJSON_MAX_DEPTH 1000

/* Converts the value at `idx` into a new reference in *out.  Returns 0, or
 * -1 with a message in err such as "cycle detected at key 'a.b'" (the
 * caller adds its own prefix).  Never raises; leaves the stack balanced. */
int luajson_to_json(lua_State *L, int idx, json_t **out, char *err, size_t len);

/* The same, refusing a value larger than about max_bytes as JSON (every
 * string and key by its length, every other value as one byte) with
 * "larger than N bytes as JSON".  A table met on several branches counts
 * each time, so the work is bounded however the value was built: for Lua
 * that the daemon reads, where a few shared tables could otherwise stand
 * for 2^60 values. */
int luajson_to_json_bounded(lua_State *L, int idx, size_t max_bytes, json_t **out, char *err,
                            size_t len);

/* Pushes the Lua value of v (raises only on memory errors). */
void luajson_push(lua_State *L, json_t *v);

/* Pushes the array metatable, creating it on first use. */
void luajson_push_array_mt(lua_State *L);

#endif
