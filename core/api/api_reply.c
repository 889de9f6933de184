/* api_reply.c — filling a call's reply: JSON documents and RFC 9457
 * problem documents (api_internal.h).
 *
 * Every error the API answers is a problem document, so a client reads
 * one shape: "type" is about:blank (the status says it all), "title" the
 * status's reason phrase, "detail" the sentence for a human, naming the
 * field or parameter, which "parameter" repeats for a program.
 */
#include <stdarg.h>
#include <stdio.h>

#include "api_internal.h"

#define DETAIL_MAX 512

static const struct {
    unsigned status;
    const char *title;
} titles[] = {
    {200, "OK"},
    {202, "Accepted"},
    {304, "Not Modified"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {409, "Conflict"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {500, "Internal Server Error"},
    {503, "Service Unavailable"},
};

const char *api_status_title(unsigned status)
{
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
        if (titles[i].status == status)
            return titles[i].title;
    return "Error";
}

static void set_body(struct api_call *call, unsigned status, json_t *body, bool problem)
{
    json_decref(call->reply.body);
    free(call->reply.text);
    call->reply.text = NULL;
    call->reply.status = status;
    call->reply.body = body;
    call->reply.problem = problem;
}

void api_reply_problem(struct api_call *call, unsigned status, const char *param,
                       const char *fmt, ...)
{
    char detail[DETAIL_MAX];
    va_list ap;
    json_t *doc;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    doc = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title",
                    api_status_title(status), "status", (int)status, "detail", detail);
    if (doc && param && json_object_set_new(doc, "parameter", json_string(param)) != 0) {
        json_decref(doc);
        doc = NULL;
    }
    /* Without memory for the document, the status alone still says it. */
    set_body(call, status, doc, true);
}

void api_reply_json(struct api_call *call, unsigned status, json_t *body)
{
    if (!body) {
        api_reply_problem(call, 500, NULL, "out of memory building the reply");
        return;
    }
    set_body(call, status, body, false);
}

void api_reply_empty(struct api_call *call, unsigned status)
{
    set_body(call, status, NULL, false);
}

void api_reply_text(struct api_call *call, unsigned status, char *text)
{
    if (!text) {
        api_reply_problem(call, 500, NULL, "out of memory building the reply");
        return;
    }
    set_body(call, status, NULL, false);
    call->reply.text = text;
}
