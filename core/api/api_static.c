/* api_static.c — GET / and GET /assets/{file}: the dashboard's files,
 * compiled into the binary (lib/embedded.h, made by the Makefile).
 *
 * They answer without a token: they hold no data, and the page asks for
 * the token before its first data request.  Every name under /assets/
 * carries the build's hash, so it is cached for a year as immutable;
 * index.html, which names them, is revalidated each time (no-cache).  The
 * gzip copy made at build time is sent to a browser that accepts it.  The
 * headers keep the page to its own scripts and styles (no inline code, no
 * other origin), out of frames, and its URLs out of Referer headers.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "lib/embedded.h"
#include "log/log.h"

#define GZ_NAME_MAX (API_SEGMENT_MAX + 4)

static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
};

/* What make_response sends (and frees): the file, its gzip copy (or
 * NULL), its type, its caching. */
struct static_file {
    const struct embedded_file *file, *gz;
    const char *type;
    bool immutable;
};

static const char *type_of(const char *name)
{
    size_t len = strlen(name);

    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t n = strlen(types[i].ext);
        if (len > n && strcmp(name + len - n, types[i].ext) == 0)
            return types[i].type;
    }
    return NULL;
}

/* Whether Accept-Encoding names gzip without refusing it (";q=0"). */
static bool accepts_gzip(const char *accept)
{
    const char *p = accept ? strstr(accept, "gzip") : NULL;

    if (!p)
        return false;
    p += strlen("gzip");
    while (*p == ' ')
        p++;
    if (*p != ';')
        return true;
    p++;
    while (*p == ' ')
        p++;
    return !(p[0] == 'q' && p[1] == '=' && strspn(p + 2, "0.") == strcspn(p + 2, ", "));
}

static struct MHD_Response *make_response(void *data, struct MHD_Connection *conn)
{
    const struct static_file sf = *(struct static_file *)data;
    const char *accept =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    const struct embedded_file *body = sf.gz && accepts_gzip(accept) ? sf.gz : sf.file;
    /* PERSISTENT: the bytes are the binary's own; MHD never writes them. */
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(body->len, (void *)body->data, MHD_RESPMEM_PERSISTENT);
    int ok = resp != NULL;

    free(data);
    ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, sf.type);
    if (body == sf.gz)
        ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                                       sf.immutable ? "public, max-age=31536000, immutable"
                                                    : "no-cache");
    ok = ok && MHD_add_response_header(resp, "Content-Security-Policy", csp);
    ok = ok && MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    ok = ok && MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    ok = ok && MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (!ok) {
        log_error("api: cannot make the response of a dashboard file (out of memory)");
        if (resp)
            MHD_destroy_response(resp);
        return NULL;
    }
    return resp;
}

void api_get_static(struct api_call *call)
{
    const char *param = api_path_param(&call->path, "file");
    const char *name = param ? param : "index.html";
    /* index.html only at /: under /assets/ it would be cached for a year. */
    const struct embedded_file *file = param && strcmp(param, "index.html") == 0
                                           ? NULL
                                           : embedded_in(embedded_dashboard, name);
    const char *type = type_of(name);
    char gz[GZ_NAME_MAX];
    struct static_file *sf;

    if (!file || !type) {
        api_reply_problem(call, 404, param ? "file" : NULL, "the dashboard has no file %s",
                          name);
        return;
    }
    if (!(sf = malloc(sizeof *sf))) {
        api_reply_problem(call, 500, NULL, "out of memory serving %s", name);
        return;
    }
    snprintf(gz, sizeof gz, "%s.gz", name);
    *sf = (struct static_file){file, embedded_in(embedded_dashboard, gz), type, param != NULL};
    call->reply.status = 200;
    call->reply.custom = (struct api_custom){make_response, sf};
}
