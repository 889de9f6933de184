/* yamljob_handler.c — the content of a YAML job run by the func handler
 * (yamljob.h, "func handler"): the YAML file, the handler task's file, and
 * a last line that says where one ends:
 *
 *   <the YAML file><the handler's Lua file>\n#yamljob-handler YAML_LEN LUA_LEN NAME_LEN PATH
 *
 * One string, so the task's content travels, is hashed and is checked in
 * the run process as any task's does; the YAML keeps its lines (it comes
 * first) and the run process loads the handler's part under its own path,
 * so both keep theirs.  The last line is written here, after both parts,
 * so it is found from the end whatever they hold; the path holds no newline
 * (discovery_handler_read refuses an unprintable name, and task files with
 * one are never loaded).
 */
#include "yamljob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRAILER_TAG "\n#yamljob-handler "

bool yamljob_is_python_func(const struct yamldoc_node *entry)
{
    const struct yamldoc_node *func =
        entry && entry->kind == YAMLDOC_MAPPING ? yamldoc_get(entry, "func") : NULL;
    return func && func->kind == YAMLDOC_SCALAR && func->len > 0 && !strchr(func->text, '/');
}

int yamljob_handler_join(const char *yaml, size_t yaml_len, const struct yamljob_handler *h,
                         char **out, size_t *out_len)
{
    FILE *f = open_memstream(out, out_len);
    bool ok;

    if (!f)
        return -1;
    ok = fwrite(yaml, 1, yaml_len, f) == yaml_len &&
         fwrite(h->content, 1, h->content_len, f) == h->content_len &&
         fprintf(f, "%s%zu %zu %zu %s", TRAILER_TAG, yaml_len, h->content_len, h->name_len,
                 h->path) > 0;
    if (fclose(f) != 0)
        ok = false;
    if (!ok) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

bool yamljob_handler_split(const char *content, size_t len, size_t *yaml_len,
                           struct yamljob_handler *h)
{
    const char *tail = NULL;
    size_t tag = strlen(TRAILER_TAG), ylen, llen, nlen;
    int used = 0;

    memset(h, 0, sizeof *h);
    *yaml_len = len;
    for (size_t i = len; i > 0; i--)
        if (content[i - 1] == '\n') {
            tail = content + i - 1;
            break;
        }
    if (!tail || (size_t)(content + len - tail) <= tag ||
        strncmp(tail, TRAILER_TAG, tag) != 0 ||
        sscanf(tail + tag, "%zu %zu %zu %n", &ylen, &llen, &nlen, &used) != 3 || used == 0 ||
        ylen > len || llen > len - ylen || content + ylen + llen != tail ||
        strlen(tail + tag + used) < nlen + strlen(".lua"))
        return false;
    *yaml_len = ylen;
    h->path = tail + tag + used; /* the end of content: NUL-terminated */
    h->name_len = nlen;
    h->content = content + ylen;
    h->content_len = llen;
    return true;
}
