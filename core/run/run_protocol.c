/* run_protocol.c — encode and decode the fd-3 messages (run_protocol.h). */
#include "run_protocol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/utf8.h"

#define READ_CHUNK 65536
#define RUN_PROTOCOL_ERR_MAX 256

enum send_status { SEND_OK, SEND_FAILED = -1, SEND_TOO_LARGE = 1 };

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write obj as one line, unless it would exceed the message bound. */
static enum send_status send_json(int fd, const json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT);
    enum send_status status = SEND_FAILED;
    size_t len;

    if (!text)
        return SEND_FAILED;
    len = strlen(text);
    if (len + 1 > RUN_PROTOCOL_MESSAGE_MAX) {
        status = SEND_TOO_LARGE;
    } else {
        text[len] = '\n'; /* replaces the NUL: the line is written by length */
        if (write_all(fd, text, len + 1) == 0)
            status = SEND_OK;
    }
    free(text);
    return status;
}

/* obj[key] = the first `max` bytes of s. */
static int set_cut_string(json_t *obj, const char *key, const char *s, size_t len, size_t max)
{
    return json_object_set_new(obj, key, utf8_json_string(s, len < max ? len : max));
}

char *run_protocol_encode_request(const struct run_request *req, size_t *len, char *err,
                                  size_t errlen)
{
    json_t *last = NULL, *user = NULL, *state = req->state, *obj;
    const char *state_error = req->state_error;
    char *line = NULL, *grown, too_large[RUN_PROTOCOL_ERR_MAX];
    size_t state_len;

    state_len = state ? json_dumpb(state, NULL, 0, JSON_COMPACT) : 0;
    if (state_len > RUN_PROTOCOL_STATE_MAX) {
        snprintf(too_large, sizeof too_large,
                 "the task's state is %zu bytes as JSON, over the %u a run can hold;"
                 " state.delete can still remove keys",
                 state_len, RUN_PROTOCOL_STATE_MAX);
        state = NULL;
        state_error = too_large;
    }
    if (req->last_status)
        last = json_pack("{s:s, s:f}", "status", req->last_status, "finished_at",
                         req->last_finished_at);
    if (req->user)
        user = json_pack("{s:s, s:I, s:I}", "name", req->user, "uid", (json_int_t)req->uid,
                         "gid", (json_int_t)req->gid);
    obj = json_pack("{s:s, s:s, s:s, s:s, s:s%, s:s, s:I, s:i, s:s, s:I, s:f, s:O,"
                    " s:s, s:s, s:s, s:i, s:i, s:o*, s:o*, s:O*, s:s*, s:s}",
                    "type", "request", "task", req->task, "path", req->path, "title",
                    req->title, "content", req->content, req->content_len, "hash", req->hash,
                    "run_id", (json_int_t)req->run_id, "attempt", req->attempt, "trigger",
                    req->trigger, "scheduled_for", (json_int_t)req->scheduled_for, "release_at",
                    req->release_at, "args", req->args, "root", req->root, "config_path",
                    req->config_path, "rocks_tree", req->rocks_tree, "memory_limit_mb",
                    req->memory_limit_mb, "umask", req->umask, "last", last, "user", user,
                    "state", state, "state_error", state_error, "log_level",
                    log_level_name(req->log_level));
    if (!obj) {
        snprintf(err, errlen, "cannot encode the run request (is the task file UTF-8?)");
        return NULL;
    }
    line = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!line || (*len = strlen(line)) + 1 > RUN_PROTOCOL_REQUEST_MAX) {
        snprintf(err, errlen, "run request too large (limit %u bytes)",
                 RUN_PROTOCOL_REQUEST_MAX);
        free(line);
        return NULL;
    }
    if (!(grown = realloc(line, *len + 2))) {
        snprintf(err, errlen, "out of memory");
        free(line);
        return NULL;
    }
    grown[(*len)++] = '\n';
    grown[*len] = '\0';
    return grown;
}

static int parse_level(const char *name, enum log_level *level, char *err, size_t errlen)
{
    int parsed = log_level_parse(name);

    if (parsed < 0) {
        snprintf(err, errlen, "unknown log level '%s'", name);
        return -1;
    }
    *level = (enum log_level)parsed;
    return 0;
}

static int decode_request(json_t *root, struct run_request *req, char *err, size_t errlen)
{
    json_int_t run_id, scheduled_for, uid = -1, gid = -1;
    const char *type, *level;
    json_error_t jerr;

    memset(req, 0, sizeof *req);
    if (json_unpack_ex(root, &jerr, 0,
                       "{s:s, s:s, s:s, s:s, s:s%, s:s, s:I, s:i, s:s, s:I, s:F, s:o,"
                       " s:s, s:s, s:s, s:i, s:i, s?{s:s, s:F}, s?{s:s, s:I, s:I}, s?o,"
                       " s?s, s:s}",
                       "type", &type, "task", &req->task, "path", &req->path, "title",
                       &req->title, "content", &req->content, &req->content_len, "hash",
                       &req->hash, "run_id", &run_id, "attempt", &req->attempt, "trigger",
                       &req->trigger, "scheduled_for", &scheduled_for, "release_at",
                       &req->release_at, "args", &req->args, "root", &req->root, "config_path",
                       &req->config_path, "rocks_tree", &req->rocks_tree, "memory_limit_mb",
                       &req->memory_limit_mb, "umask", &req->umask, "last", "status",
                       &req->last_status, "finished_at", &req->last_finished_at, "user", "name",
                       &req->user, "uid", &uid, "gid", &gid, "state", &req->state,
                       "state_error", &req->state_error, "log_level", &level) != 0) {
        snprintf(err, errlen, "bad run request: %s", jerr.text);
        return -1;
    }
    if (strcmp(type, "request") != 0 ||
        !(json_is_array(req->args) || json_is_object(req->args))) {
        snprintf(err, errlen, "bad run request: not a request");
        return -1;
    }
    if (req->state ? !json_is_object(req->state) : !req->state_error) {
        snprintf(err, errlen, "bad run request: no state object, and no state_error");
        return -1;
    }
    if (req->user && (uid < 0 || gid < 0 || (json_int_t)(uid_t)uid != uid ||
                      (json_int_t)(gid_t)gid != gid)) {
        snprintf(err, errlen, "bad run request: user '%s' with uid %lld, gid %lld", req->user,
                 (long long)uid, (long long)gid);
        return -1;
    }
    if (req->user) {
        req->uid = (uid_t)uid;
        req->gid = (gid_t)gid;
    }
    req->run_id = run_id;
    req->scheduled_for = scheduled_for;
    return parse_level(level, &req->log_level, err, errlen);
}

/* Read up to the first newline (or EOF), at most RUN_PROTOCOL_REQUEST_MAX. */
int run_protocol_recv_request(int fd, struct run_request *req, json_t **root, char *err,
                              size_t errlen)
{
    size_t len = 0, cap = 0;
    char *buf = NULL, *grown;
    json_error_t jerr;

    *root = NULL;
    for (;;) {
        ssize_t n;

        if (len + READ_CHUNK > cap) {
            cap = cap ? cap * 2 : READ_CHUNK;
            if (len >= RUN_PROTOCOL_REQUEST_MAX || !(grown = realloc(buf, cap))) {
                snprintf(err, errlen, "run request too large or out of memory");
                goto fail;
            }
            buf = grown;
        }
        n = read(fd, buf + len, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "reading the run request: %s", strerror(errno));
            goto fail;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (memchr(buf + len - (size_t)n, '\n', (size_t)n))
            break;
    }
    *root = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, &jerr);
    if (!*root) {
        snprintf(err, errlen, "bad run request: %s", jerr.text);
        goto fail;
    }
    if (decode_request(*root, req, err, errlen) != 0)
        goto fail;
    free(buf);
    return 0;
fail:
    json_decref(*root);
    *root = NULL;
    free(buf);
    return -1;
}

int run_protocol_send_started(int fd, double at)
{
    json_t *obj = json_pack("{s:s, s:f}", "type", "started", "at", at);
    int rc = obj && send_json(fd, obj) == SEND_OK ? 0 : -1;

    json_decref(obj);
    return rc;
}

int run_protocol_send_log(int fd, enum log_level level, const char *msg, size_t len,
                          const json_t *fields)
{
    json_t *obj = json_pack("{s:s, s:s}", "type", "log", "level", log_level_name(level));
    enum send_status status = SEND_FAILED;

    if (!obj || set_cut_string(obj, "msg", msg, len, RUN_PROTOCOL_LOG_MAX) != 0 ||
        (fields && json_object_set(obj, "fields", (json_t *)fields) != 0))
        goto done;
    status = send_json(fd, obj);
    if (status == SEND_TOO_LARGE && json_object_del(obj, "fields") == 0)
        status = send_json(fd, obj); /* the message alone always fits */
done:
    json_decref(obj);
    return status == SEND_OK ? 0 : -1;
}

int run_protocol_send_result(int fd, const struct run_result *res)
{
    json_t *obj =
        json_pack("{s:s, s:b, s:I, s:I}", "type", "result", "ok", res->ok, "peak_rss_kb",
                  (json_int_t)res->peak_rss_kb, "cpu_ms", (json_int_t)res->cpu_ms);
    enum send_status status = SEND_FAILED;

    if (!obj || (res->value && json_object_set(obj, "value", res->value) != 0) ||
        (res->error && set_cut_string(obj, "error", res->error, strlen(res->error),
                                      RUN_PROTOCOL_LOG_MAX) != 0) ||
        (res->has_exit &&
         (json_object_set_new(obj, "exit_code", json_integer(res->exit_code)) != 0 ||
          json_object_set_new(obj, "signal", json_integer(res->signal)) != 0)))
        goto done;
    status = send_json(fd, obj);
    if (status == SEND_TOO_LARGE &&
        json_object_set_new(obj, "value",
                            json_sprintf("(return value omitted: over %u bytes)",
                                         RUN_PROTOCOL_MESSAGE_MAX)) == 0)
        status = send_json(fd, obj);
done:
    json_decref(obj);
    return status == SEND_OK ? 0 : -1;
}

int run_protocol_send_state(int fd, const char *key, const json_t *value)
{
    json_t *obj = json_pack("{s:s, s:s}", "type", "state", "key", key);
    enum send_status status = SEND_FAILED;

    if (obj && (!value || json_object_set(obj, "value", (json_t *)value) == 0))
        status = send_json(fd, obj);
    json_decref(obj);
    return status == SEND_OK ? 0 : status == SEND_TOO_LARGE ? 1 : -1;
}

static int decode_result(json_t *root, struct run_result *res, char *err, size_t errlen)
{
    json_int_t rss = -1, cpu = -1;
    json_error_t jerr;
    int ok;

    memset(res, 0, sizeof *res);
    if (json_unpack_ex(root, &jerr, 0, "{s:b, s?o, s?s, s?i, s?i, s?I, s?I}", "ok", &ok,
                       "value", &res->value, "error", &res->error, "exit_code", &res->exit_code,
                       "signal", &res->signal, "peak_rss_kb", &rss, "cpu_ms", &cpu) != 0) {
        snprintf(err, errlen, "bad result message: %s", jerr.text);
        return -1;
    }
    res->ok = ok;
    res->has_exit = json_object_get(root, "exit_code") != NULL;
    res->peak_rss_kb = (long)rss;
    res->cpu_ms = (long)cpu;
    return 0;
}

static int decode_message(json_t *root, struct run_message *msg, char *err, size_t errlen)
{
    const char *type, *level;
    json_error_t jerr;

    memset(msg, 0, sizeof *msg);
    if (json_unpack_ex(root, &jerr, 0, "{s:s}", "type", &type) != 0) {
        snprintf(err, errlen, "bad message: %s", jerr.text);
        return -1;
    }
    if (strcmp(type, "started") == 0) {
        msg->type = RUN_MESSAGE_STARTED;
        if (json_unpack_ex(root, &jerr, 0, "{s:F}", "at", &msg->started_at) == 0)
            return 0;
    } else if (strcmp(type, "log") == 0) {
        msg->type = RUN_MESSAGE_LOG;
        if (json_unpack_ex(root, &jerr, 0, "{s:s, s:s%, s?o}", "level", &level, "msg",
                           &msg->msg, &msg->msg_len, "fields", &msg->fields) == 0)
            return parse_level(level, &msg->level, err, errlen);
    } else if (strcmp(type, "state") == 0) {
        msg->type = RUN_MESSAGE_STATE;
        if (json_unpack_ex(root, &jerr, 0, "{s:s, s?o}", "key", &msg->key, "value",
                           &msg->value) == 0)
            return 0;
    } else if (strcmp(type, "result") == 0) {
        msg->type = RUN_MESSAGE_RESULT;
        return decode_result(root, &msg->result, err, errlen);
    } else {
        snprintf(err, errlen, "unknown message type '%s'", type);
        return -1;
    }
    snprintf(err, errlen, "bad %s message: %s", type, jerr.text);
    return -1;
}

int run_protocol_decode(const char *line, size_t len, struct run_message *msg, json_t **root,
                        char *err, size_t errlen)
{
    json_error_t jerr;

    *root = json_loadb(line, len, 0, &jerr);
    if (!*root) {
        snprintf(err, errlen, "bad message: %s", jerr.text);
        return -1;
    }
    if (decode_message(*root, msg, err, errlen) != 0) {
        json_decref(*root);
        *root = NULL;
        return -1;
    }
    return 0;
}
