/* test_helper_kafka.c — the kafka helper against librdkafka's mock cluster
 * (brokers of its own on 127.0.0.1, in this process), read back with a
 * consumer. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "fixture_server.h"
#include "helpers/helpers.h"
#include "luatest.h"
#include "testing.h"

#define TOPIC "actions"
#define WAIT_MS 10000            /* for the consumer to get the message */
#define API_PRODUCE 0            /* Kafka's ApiKey of a Produce request */
#define VALUE "echo 'run \0 it'" /* a NUL inside: the bytes, not a C string */

static lua_State *L;
static rd_kafka_t *mock_rk; /* the handle the mock cluster lives in */
static rd_kafka_mock_cluster_t *mock;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A client of the mock cluster, quiet, with one more property. */
static rd_kafka_t *client(rd_kafka_type_t type, const char *name, const char *value)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;

    rd_kafka_conf_set_log_cb(conf, NULL);
    if ((mock &&
         rd_kafka_conf_set(conf, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mock),
                           err, sizeof err) != RD_KAFKA_CONF_OK) ||
        (name && rd_kafka_conf_set(conf, name, value, err, sizeof err) != RD_KAFKA_CONF_OK)) {
        printf("# rd_kafka_conf_set: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (!(rk = rd_kafka_new(type, conf, err, sizeof err))) {
        printf("# rd_kafka_new: %s\n", err);
        rd_kafka_conf_destroy(conf);
    }
    return rk;
}

/* The header's value as a string ("(none)" when it is missing). */
static const char *header(const rd_kafka_message_t *msg, const char *name)
{
    static char buf[64];
    rd_kafka_headers_t *hdrs;
    const void *value;
    size_t len;

    if (rd_kafka_message_headers(msg, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last(hdrs, name, &value, &len) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return "(none)";
    snprintf(buf, sizeof buf, "%.*s", (int)len, (const char *)value);
    return buf;
}

/* Reads the first message of TOPIC back and checks its bytes. */
static void check_first_message(void)
{
    rd_kafka_t *c = client(RD_KAFKA_CONSUMER, "group.id", "test");
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_message_t *msg = NULL;

    CHECK(c != NULL, "no consumer");
    if (!c) {
        rd_kafka_topic_partition_list_destroy(parts);
        return;
    }
    rd_kafka_topic_partition_list_add(parts, TOPIC, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    CHECK_INT(rd_kafka_assign(c, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (double end = now() + WAIT_MS / 1000.0; !msg && now() < end;)
        if ((msg = rd_kafka_consumer_poll(c, 100)) && msg->err) {
            printf("# consumer: %s\n", rd_kafka_message_errstr(msg));
            rd_kafka_message_destroy(msg);
            msg = NULL;
        }
    CHECK(msg != NULL, "nothing consumed from %s", TOPIC);
    if (msg) {
        CHECK(msg->key_len == 8 && memcmp(msg->key, "command1", 8) == 0, "key '%.*s'",
              (int)msg->key_len, (const char *)msg->key);
        CHECK(msg->len == sizeof VALUE - 1 &&
                  memcmp(msg->payload, VALUE, sizeof VALUE - 1) == 0,
              "value of %zu bytes", msg->len);
        CHECK_STR(header(msg, "action"), "command1");
        CHECK_STR(header(msg, "source"), "actions");
        rd_kafka_message_destroy(msg);
    }
    rd_kafka_topic_partition_list_destroy(parts);
    CHECK_INT(rd_kafka_consumer_close(c), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(c);
}

static void produce_sends_key_value_and_headers(void)
{
    lua_pushlstring(L, VALUE, sizeof VALUE - 1);
    lua_setglobal(L, "VALUE");
    CHECK_STR(luatest_eval(L,
                           "return assert(kafka.produce{ brokers = BROKERS, topic = 'actions', "
                           "key = 'command1', value = VALUE, headers = { action = 'command1', "
                           "source = 'actions' }, config = { ['client.id'] = 'test', "
                           "['linger.ms'] = 0, ['enable.idempotence'] = true } })"),
              "true");
    check_first_message();
}

/* A broker that refuses the message: its reason comes back. */
static void broker_error_returns_nil_and_reason(void)
{
    rd_kafka_mock_push_request_errors(mock, API_PRODUCE, 1,
                                      RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    CHECK_STR(luatest_eval(L, "local ok, err = kafka.produce{ brokers = BROKERS, "
                              "topic = 'actions', value = 'x', timeout = 5 }; "
                              "return tostring(ok) .. ' ' .. err:gsub(' at [^)]*', '')"),
              "nil kafka.produce: Broker: Topic authorization failed (topic actions)");
}

static void unreachable_broker_fails_within_the_timeout(void)
{
    char code[512];
    const char *got;
    double start;

    snprintf(code, sizeof code,
             "local ok, err = kafka.produce{ brokers = '127.0.0.1:%d', topic = 't', "
             "value = 'x', timeout = 1 }; return tostring(ok) .. ' ' .. err",
             fixture_unused_port());
    start = now();
    got = luatest_eval(L, code);
    CHECK(now() - start < 3, "took %.1f s", now() - start);
    CHECK(strncmp(got, "nil kafka.produce: no delivery report within 1 s: ", 50) == 0 &&
              strstr(got, "Connection refused") && strstr(got, "(topic t at 127.0.0.1:"),
          "got '%s'", got);
}

/* The value of a secret property is masked wherever it would show. */
static void secrets_never_show(void)
{
    const char *got =
        luatest_eval(L, "return select(2, pcall(kafka.produce, { brokers = BROKERS, "
                        "topic = 't', value = 'x', config = { "
                        "['sasl.password'] = 'hunter2', "
                        "['compression.codec'] = 'hunter2' } }))");

    CHECK(strstr(got, "compression.codec") && strstr(got, "***") && !strstr(got, "hunter2"),
          "got '%s'", got);
}

static void bad_arguments_raise(void)
{
    CHECK_STR(luatest_eval(L, "return select(2, pcall(kafka.produce))"),
              "bad argument #1 to 'kafka.produce' (table expected, got no value)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(kafka.produce, { topic = 't', "
                              "value = 'x' }))"),
              "bad argument #1 to 'kafka.produce' (field 'brokers' expected)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(kafka.produce, { brokers = BROKERS, "
                              "value = 'x' }))"),
              "bad argument #1 to 'kafka.produce' (field 'topic' expected)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(kafka.produce, { brokers = BROKERS, "
                              "topic = '', value = 'x' }))"),
              "bad argument #1 to 'kafka.produce' (field 'topic' is empty)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(kafka.produce, { brokers = BROKERS, "
                              "topic = 't' }))"),
              "bad argument #1 to 'kafka.produce' (field 'value' expected)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(kafka.produce, { brokers = BROKERS, "
                              "topic = 't', value = 'x', timeout = 0 }))"),
              "bad argument #1 to 'kafka.produce' (field 'timeout' out of range)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(kafka.produce, { brokers = BROKERS, "
                              "topic = 't', value = 'x', headers = { n = 1 } }))"),
              "bad argument #1 to 'kafka.produce' (field 'headers': names and values must "
              "be strings)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(kafka.produce, { brokers = BROKERS, "
                              "topic = 't', value = 'x', config = { ['no.such'] = 'v' } }))"),
              "bad argument #1 to 'kafka.produce' (field 'config': No such configuration "
              "property: \"no.such\")");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(kafka.produce, { brokers = BROKERS, "
                              "topic = 't', value = 'x', config = { ['linger.ms'] = 1e9 } }))"),
              "bad argument #1 to 'kafka.produce' (field 'config': Configuration property "
              "\"queue.buffering.max.ms\" value 1e+09 is outside allowed range 0..900000)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(kafka.produce, { brokers = BROKERS, "
                              "topic = 't', value = 'x', config = { acks = {} } }))"),
              "bad argument #1 to 'kafka.produce' (field 'config': names must be strings, "
              "values strings, numbers or booleans)");
}

int main(void)
{
    L = luatest_open("kafka", luaopen_kafka);
    mock_rk = client(RD_KAFKA_PRODUCER, NULL, NULL);
    mock = mock_rk ? rd_kafka_mock_cluster_new(mock_rk, 1) : NULL;
    CHECK(mock != NULL, "the mock cluster did not start");
    if (mock) {
        CHECK_INT(rd_kafka_mock_topic_create(mock, TOPIC, 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
        lua_pushstring(L, rd_kafka_mock_cluster_bootstraps(mock));
        lua_setglobal(L, "BROKERS");
        RUN(produce_sends_key_value_and_headers);
        RUN(broker_error_returns_nil_and_reason);
        RUN(unreachable_broker_fails_within_the_timeout);
        RUN(secrets_never_show);
        RUN(bad_arguments_raise);
        rd_kafka_mock_cluster_destroy(mock);
    }
    if (mock_rk)
        rd_kafka_destroy(mock_rk);
    lua_close(L);
    if (!mock)
        printf("not ok - kafka_mock_cluster_starts\n");
    TESTING_EXIT();
}
