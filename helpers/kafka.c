/* kafka.c — the `kafka` helper module: one message to a Kafka topic over
 * librdkafka.
 *
 *   kafka.produce{ brokers = "host:port,…", topic =, value =, key =,
 *                  headers = {name = value}, config = {["property"] = value},
 *                  timeout = seconds (10) }
 *     -> true  |  nil, "kafka.produce: <what went wrong> (topic T at BROKERS)"
 *
 * Each call makes a producer, sends the one message, waits at most
 * `timeout` for its delivery report (the broker's acknowledgement, or why
 * there was none) and destroys the producer: a run is a process of its
 * own, so a producer kept between calls would not outlive the run anyway.
 * A wrong argument raises; a broker that refuses the message, cannot be
 * reached or does not answer in time returns nil and a message.  `config`
 * holds librdkafka's properties; the value of one whose name marks a secret
 * (sasl.password, ssl.key.password, …) is masked in every message.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <librdkafka/rdkafka.h>
#include <lua.h>

#include "helpers.h"
#include "luabox.h"
#include "luaopt.h"

#define PRODUCER_MT "kafka.producer"
#define FNAME "kafka.produce"
#define DEFAULT_TIMEOUT 10.0          /* seconds */
#define MAX_TIMEOUT (7 * 24 * 3600.0) /* keeps milliseconds in an int */
#define ERR_MAX 512
#define MASK "***"

/* What one call owns while librdkafka works.  A userdata, so that an error
 * unwinding the stack still frees it (producer_close).  librdkafka's
 * callbacks get it as their opaque and write the outcome into it. */
struct producer {
    rd_kafka_conf_t *conf; /* until rd_kafka_new takes it */
    rd_kafka_t *rk;
    rd_kafka_headers_t *headers; /* until the message takes them */
    int delivered;               /* the delivery report came */
    rd_kafka_resp_err_t result;  /* and said this */
    char broker_error[ERR_MAX];  /* the first error_cb's, "" for none */
};

/* The message, read from Lua before librdkafka is touched. */
struct message {
    const char *brokers, *topic, *key, *value;
    size_t key_len, value_len;
    double timeout;
};

static void producer_close(struct producer *p)
{
    if (p->rk) {
        /* Drops what is still queued or in flight, so the destroy does not
         * wait on a message nobody will hear of.  Its only failures are
         * "not a producer" and a bad flag, neither of which can be. */
        (void)rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_destroy(p->rk);
        p->rk = NULL;
    }
    if (p->conf) {
        rd_kafka_conf_destroy(p->conf);
        p->conf = NULL;
    }
    if (p->headers) {
        rd_kafka_headers_destroy(p->headers);
        p->headers = NULL;
    }
}

static int producer_gc(lua_State *L)
{
    producer_close(luaL_checkudata(L, 1, PRODUCER_MT));
    return 0;
}

/* Called from rd_kafka_flush, on this thread. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
    struct producer *p = opaque;

    (void)rk;
    p->delivered = 1;
    p->result = msg->err;
}

/* Broker trouble (refused, unresolvable, all brokers down), from
 * rd_kafka_flush too.  The first one is kept: it is the cause, the later
 * ones ("1/1 brokers are down") its consequences. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct producer *p = opaque;

    (void)rk;
    if (!p->broker_error[0])
        snprintf(p->broker_error, sizeof p->broker_error, "%s: %s",
                 rd_kafka_err2str((rd_kafka_resp_err_t)err), reason);
}

/* Whether a property's value is a secret, by its name. */
static int is_secret(const char *name)
{
    static const char *const marks[] = {"password", "secret", "key.pem", "ssl_key",
                                        "oauthbearer.config"};

    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        if (strstr(name, marks[i]))
            return 1;
    return 0;
}

/* Pushes msg's first line (librdkafka ends some of its messages with a
 * newline) with the value of every secret property of the config table at
 * `config` (0 for none) replaced by MASK; returns the pushed string. */
static const char *redact(lua_State *L, int config, const char *msg)
{
    lua_pushlstring(L, msg, strcspn(msg, "\n"));
    if (!config)
        return lua_tostring(L, -1);
    for (lua_pushnil(L); lua_next(L, config); lua_pop(L, 1)) {
        /* A number converts in place: it is the value, not the key. */
        if (lua_type(L, -2) != LUA_TSTRING || !lua_isstring(L, -1) || !*lua_tostring(L, -1) ||
            !is_secret(lua_tostring(L, -2)))
            continue;
        luaL_gsub(L, lua_tostring(L, -3), lua_tostring(L, -1), MASK);
        lua_replace(L, -4); /* the masked text takes the place of the old */
    }
    return lua_tostring(L, -1);
}

/* Pushes the value at the top as the string librdkafka takes (a string,
 * number or boolean as tostring writes it) and returns it; NULL, pushing
 * nothing, for any other type. */
static const char *config_value(lua_State *L)
{
    int t = lua_type(L, -1);

    if (t != LUA_TSTRING && t != LUA_TNUMBER && t != LUA_TBOOLEAN)
        return NULL;
    return luaL_tolstring(L, -1, NULL);
}

/* Sets one property; raises naming it when librdkafka refuses. */
static void set_property(lua_State *L, struct producer *p, int config, const char *name,
                         const char *value)
{
    char err[ERR_MAX];

    if (rd_kafka_conf_set(p->conf, name, value, err, sizeof err) != RD_KAFKA_CONF_OK)
        luaL_argerror(L, 1, lua_pushfstring(L, "field 'config': %s", redact(L, config, err)));
}

/* Sets the properties of the table at `config` (0 for none). */
static void set_config(lua_State *L, struct producer *p, int config)
{
    if (!config)
        return;
    for (lua_pushnil(L); lua_next(L, config); lua_pop(L, 2)) {
        const char *value = lua_type(L, -2) == LUA_TSTRING ? config_value(L) : NULL;

        if (!value)
            luaL_argerror(L, 1,
                          "field 'config': names must be strings, values strings, "
                          "numbers or booleans");
        set_property(L, p, config, lua_tostring(L, -3), value);
    }
}

/* The headers table of the options, as librdkafka's list in p->headers. */
static void read_headers(lua_State *L, struct producer *p)
{
    if (!luaopt_subtable(L, 1, "headers"))
        return;
    if (!(p->headers = rd_kafka_headers_new(8)))
        luaL_error(L, FNAME ": out of memory");
    for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) {
        size_t len;
        const char *value;

        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
            luaL_argerror(L, 1, "field 'headers': names and values must be strings");
        value = lua_tolstring(L, -1, &len);
        if (rd_kafka_header_add(p->headers, lua_tostring(L, -2), -1, value, (ssize_t)len) !=
            RD_KAFKA_RESP_ERR_NO_ERROR)
            luaL_error(L, FNAME ": cannot add header '%s'", lua_tostring(L, -2));
    }
    lua_pop(L, 1);
}

/* A string field that must be there and not be empty. */
static const char *required(lua_State *L, const char *name)
{
    const char *s = luaopt_string(L, 1, name, NULL, NULL);

    if (!s || !*s)
        luaL_argerror(L, 1,
                      lua_pushfstring(L, "field '%s' %s", name, s ? "is empty" : "expected"));
    return s;
}

/* Pushes nil and "kafka.produce: why (topic T at BROKERS)", frees p. */
static int fail(lua_State *L, struct producer *p, const struct message *m, int config,
                const char *why)
{
    luaL_pushfail(L);
    lua_pushfstring(L, FNAME ": %s (topic %s at %s)", redact(L, config, why), m->topic,
                    m->brokers);
    lua_remove(L, -2); /* the redacted text */
    producer_close(p);
    return 2;
}

/* Sends the message and waits for its report; pushes the result. */
static int deliver(lua_State *L, struct producer *p, const struct message *m, int config)
{
    char why[2 * ERR_MAX];
    rd_kafka_resp_err_t err;

    if (!(p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, p->conf, why, sizeof why)))
        return fail(L, p, m, config, why);
    p->conf = NULL; /* the producer owns it now */
    /* F_COPY: librdkafka copies the value (its macro wants it non-const). */
    err = rd_kafka_producev(
        p->rk, RD_KAFKA_V_TOPIC(m->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE((void *)m->value, m->value_len),
        RD_KAFKA_V_HEADERS(p->headers), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        return fail(L, p, m, config, rd_kafka_err2str(err));
    p->headers = NULL; /* the message owns them now */
    /* Its own result says only "timed out": the report, or its absence,
     * is what counts. */
    (void)rd_kafka_flush(p->rk, (int)(m->timeout * 1000));
    if (!p->delivered)
        snprintf(why, sizeof why, "no delivery report within %g s%s%s", m->timeout,
                 p->broker_error[0] ? ": " : "", p->broker_error);
    else if (p->result != RD_KAFKA_RESP_ERR_NO_ERROR)
        snprintf(why, sizeof why, "%s", rd_kafka_err2str(p->result));
    else {
        producer_close(p);
        lua_pushboolean(L, 1);
        return 1;
    }
    return fail(L, p, m, config, why);
}

static int kafka_produce(lua_State *L)
{
    struct message m = {0};
    struct producer *p;
    int config;

    luaL_checktype(L, 1, LUA_TTABLE);
    m.brokers = required(L, "brokers");
    m.topic = required(L, "topic");
    /* Required, though Kafka knows a null value (a tombstone): a `value`
     * misspelt would otherwise send one. */
    m.value = luaopt_string(L, 1, "value", NULL, &m.value_len);
    luaL_argcheck(L, m.value != NULL, 1, "field 'value' expected");
    m.key = luaopt_string(L, 1, "key", NULL, &m.key_len);
    m.timeout = luaopt_number(L, 1, "timeout", DEFAULT_TIMEOUT);
    luaL_argcheck(L, m.timeout > 0 && m.timeout <= MAX_TIMEOUT, 1,
                  "field 'timeout' out of range");
    config = luaopt_subtable(L, 1, "config") ? lua_gettop(L) : 0;
    p = luabox_new(L, sizeof *p, PRODUCER_MT, producer_gc);
    if (!(p->conf = rd_kafka_conf_new()))
        return luaL_error(L, FNAME ": out of memory");
    set_config(L, p, config);
    /* After the config, so `brokers` wins over a bootstrap.servers there. */
    set_property(L, p, config, "bootstrap.servers", m.brokers);
    read_headers(L, p);
    rd_kafka_conf_set_opaque(p->conf, p);
    rd_kafka_conf_set_dr_msg_cb(p->conf, on_delivery);
    rd_kafka_conf_set_error_cb(p->conf, on_error);
    /* librdkafka's own log would repeat on the run's stderr what the
     * returned message says, once per reconnection. */
    rd_kafka_conf_set_log_cb(p->conf, NULL);
    return deliver(L, p, &m, config);
}

static const luaL_Reg funcs[] = {{"produce", kafka_produce}, {NULL, NULL}};

int luaopen_kafka(lua_State *L)
{
    luaL_newlib(L, funcs);
    return 1;
}
