/* test_helper_json.c — the json helper: encoding, decoding, and its errors. */
#include <string.h>

#include "helpers/helpers.h"
#include "luatest.h"
#include "testing.h"

static lua_State *L;

static void encode_scalars(void)
{
    CHECK_STR(luatest_eval(L, "return json.encode(42)"), "42");
    CHECK_STR(luatest_eval(L, "return json.encode(1.5)"), "1.5");
    CHECK_STR(luatest_eval(L, "return json.encode('a\"b')"), "\"a\\\"b\"");
    CHECK_STR(luatest_eval(L, "return json.encode(true)"), "true");
    CHECK_STR(luatest_eval(L, "return json.encode(nil)"), "null");
    CHECK_STR(luatest_eval(L, "return json.encode(json.null)"), "null");
}

static void integers_stay_integers_and_floats_floats(void)
{
    CHECK_STR(luatest_eval(L, "return math.type(json.decode('7'))"), "integer");
    CHECK_STR(luatest_eval(L, "return math.type(json.decode('7.0'))"), "float");
    CHECK_STR(luatest_eval(L, "return json.decode('9007199254740993')"), "9007199254740993");
    CHECK_STR(luatest_eval(L, "return json.encode(math.maxinteger)"), "9223372036854775807");
    CHECK_STR(luatest_eval(L, "return json.decode(json.encode(0.1)) == 0.1"), "true");
    CHECK_STR(luatest_eval(L, "return math.type(json.decode(json.encode(2.0)))"), "float");
}

static void tables_with_keys_1_to_n_are_arrays(void)
{
    CHECK_STR(luatest_eval(L, "return json.encode({1, 'two', false})"), "[1,\"two\",false]");
    CHECK_STR(luatest_eval(L, "return json.encode({a = 1})"), "{\"a\":1}");
    CHECK_STR(luatest_eval(L, "return json.encode({1, json.null, 3})"), "[1,null,3]");
    CHECK_STR(luatest_eval(L, "return json.encode({[1] = 'x', [2] = 'y'})"), "[\"x\",\"y\"]");
}

static void empty_table_is_object_unless_marked(void)
{
    CHECK_STR(luatest_eval(L, "return json.encode({})"), "{}");
    CHECK_STR(luatest_eval(L, "return json.encode(json.array())"), "[]");
    CHECK_STR(luatest_eval(L, "return json.encode(json.array({}))"), "[]");
    CHECK_STR(luatest_eval(L, "return json.encode(setmetatable({}, json.array_mt))"), "[]");
    CHECK_STR(luatest_eval(L, "return json.encode(json.decode('[]'))"), "[]");
    CHECK_STR(luatest_eval(L, "return json.encode(json.decode('{}'))"), "{}");
}

static void nested_round_trip(void)
{
    const char *text = "{\"a\":[1,2,{\"b\":null}],\"c\":{\"d\":\"e\",\"f\":[]},\"g\":-3.25}";
    char code[256];

    snprintf(code, sizeof code, "return json.encode(json.decode('%s'), {sort_keys = true})",
             text);
    CHECK_STR(luatest_eval(L, code), text);
    CHECK_STR(luatest_eval(L, "return json.decode('{\"a\":[1,2,{\"b\":null}]}').a[3].b"
                              " == json.null"),
              "true");
}

static void sort_keys_and_indent(void)
{
    CHECK_STR(luatest_eval(L, "return json.encode({b = 1, a = 2, c = 3}, {sort_keys = true})"),
              "{\"a\":2,\"b\":1,\"c\":3}");
    CHECK_STR(luatest_eval(L, "return json.encode({x = {1}}, {indent = 2})"),
              "{\n  \"x\": [\n    1\n  ]\n}");
}

static void unicode_round_trips(void)
{
    CHECK_STR(luatest_eval(L, "return json.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\"')"),
              "\xc3\xa9\xf0\x9f\x98\x80");
    CHECK_STR(luatest_eval(L, "return json.encode('\xc3\xa9t\xc3\xa9')"),
              "\"\xc3\xa9t\xc3\xa9\"");
    CHECK_STR(luatest_eval(L, "return #json.decode('\"a\\\\u0000b\"')"), "3");
    CHECK(strstr(luatest_eval(L, "return json.encode('\\xff')"),
                 "json.encode: invalid UTF-8 in string") != NULL,
          "invalid UTF-8 raises");
}

static void cycle_is_reported_with_its_path(void)
{
    CHECK_STR(luatest_eval(L, "local t = {a = {}}; t.a.b = t; "
                              "local ok, err = pcall(json.encode, t); return err"),
              "json.encode: cycle detected at key 'a.b'");
    /* A table shared by two branches is not a cycle. */
    CHECK_STR(luatest_eval(L, "local s = {1}; return json.encode({s, s})"), "[[1],[1]]");
}

static void unencodable_values_raise(void)
{
    CHECK_STR(luatest_eval(L, "return select(2, pcall(json.encode, {f = print}))"),
              "json.encode: cannot encode a function at key 'f'");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(json.encode, {x = {1/0}}))"),
              "json.encode: cannot encode a non-finite number at key 'x[1]'");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(json.encode, 0/0))"),
              "json.encode: cannot encode a non-finite number");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(json.encode, {[true] = 1}))"),
              "json.encode: non-string key");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(json.encode, {1, nil, 3}))"),
              "json.encode: non-string key (a sparse or mixed array?)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(json.encode, {1, 2, x = 3}))"),
              "json.encode: non-string key (a sparse or mixed array?)");
}

static void decode_error_returns_nil_and_position(void)
{
    CHECK_STR(luatest_eval(L, "local v, err = json.decode('{\"a\" 1}'); "
                              "return tostring(v) .. ' ' .. err"),
              "nil json.decode: line 1 column 6: ':' expected near '1'");
    CHECK_STR(luatest_eval(L, "return select(2, json.decode('[1,\\n2,'))"),
              "json.decode: line 2 column 2: ']' expected near end of file");
}

static void bad_arguments_raise(void)
{
    CHECK_STR(luatest_eval(L, "json.decode()"),
              "error: [string \"json.decode()\"]:1: "
              "bad argument #1 to 'decode' (string expected, got no value)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(json.encode))"),
              "bad argument #1 to 'json.encode' (value expected)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(json.encode, 1, {indent = 'x'}))"),
              "bad argument #2 to 'json.encode' (field 'indent': number expected, got string)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(json.array, 5))"),
              "bad argument #1 to 'json.array' (table expected, got number)");
}

int main(void)
{
    L = luatest_open("json", luaopen_json);
    RUN(encode_scalars);
    RUN(integers_stay_integers_and_floats_floats);
    RUN(tables_with_keys_1_to_n_are_arrays);
    RUN(empty_table_is_object_unless_marked);
    RUN(nested_round_trip);
    RUN(sort_keys_and_indent);
    RUN(unicode_round_trips);
    RUN(cycle_is_reported_with_its_path);
    RUN(unencodable_values_raise);
    RUN(decode_error_returns_nil_and_position);
    RUN(bad_arguments_raise);
    lua_close(L);
    TESTING_EXIT();
}
