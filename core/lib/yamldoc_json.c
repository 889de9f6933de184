/* yamldoc_json.c — YAML trees to JSON values and back (yamldoc_json.h). */
#include "yamldoc_json.h"

#include <stdio.h>
#include <string.h>

json_t *yamldoc_to_json(const struct yamldoc_node *node)
{
    json_t *out = NULL, *child;
    struct yamldoc_value v;

    switch (node->kind) {
    case YAMLDOC_MAPPING:
        out = json_object();
        for (size_t i = 0; out && i < node->count; i++) {
            const struct yamldoc_node *key = node->pairs[i].key;
            child = yamldoc_to_json(node->pairs[i].value);
            if (key->kind != YAMLDOC_SCALAR || !child ||
                json_object_setn_new(out, key->text, key->len, child) != 0) {
                json_decref(child);
                json_decref(out);
                return NULL;
            }
        }
        return out;
    case YAMLDOC_SEQUENCE:
        out = json_array();
        for (size_t i = 0; out && i < node->count; i++)
            if (json_array_append_new(out, yamldoc_to_json(node->items[i])) != 0) {
                json_decref(out);
                return NULL;
            }
        return out;
    case YAMLDOC_SCALAR:
        v = yamldoc_scalar_value(node);
        switch (v.type) {
        case YAMLDOC_NULL:
            return json_null();
        case YAMLDOC_BOOL:
            return json_boolean(v.boolean);
        case YAMLDOC_INT:
            return json_integer(v.integer);
        case YAMLDOC_FLOAT:
            return json_real(v.number);
        case YAMLDOC_STRING:
            return json_stringn(node->text, node->len);
        }
    }
    return NULL;
}

static struct yamldoc_node *from_json(const json_t *v, int depth, int max_depth)
{
    struct yamldoc_node *node = NULL, *child;
    char number[64];
    const char *key;
    json_t *item;
    size_t i;

    if (depth > max_depth)
        return NULL;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        node = yamldoc_new_mapping();
        json_object_foreach((json_t *)v, key, item)
        {
            struct yamldoc_node *k = yamldoc_new_scalar(key, strlen(key), true);
            child = from_json(item, depth + 1, max_depth);
            if (!node || !k || !child || yamldoc_append_pair(node, k, child) < 0) {
                yamldoc_free(k);
                yamldoc_free(child);
                yamldoc_free(node);
                return NULL;
            }
        }
        return node;
    case JSON_ARRAY:
        node = yamldoc_new_sequence();
        json_array_foreach(v, i, item)
        {
            child = from_json(item, depth + 1, max_depth);
            if (!node || !child || yamldoc_append(node, child) < 0) {
                yamldoc_free(child);
                yamldoc_free(node);
                return NULL;
            }
        }
        return node;
    case JSON_STRING:
        return yamldoc_new_scalar(json_string_value(v), json_string_length(v), true);
    case JSON_INTEGER:
        snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return yamldoc_new_scalar(number, strlen(number), false);
    case JSON_REAL:
        snprintf(number, sizeof number, "%.17g", json_real_value(v));
        return yamldoc_new_scalar(number, strlen(number), false);
    case JSON_TRUE:
        return yamldoc_new_scalar("true", 4, false);
    case JSON_FALSE:
        return yamldoc_new_scalar("false", 5, false);
    case JSON_NULL:
        return yamldoc_new_scalar("null", 4, false);
    }
    return NULL;
}

struct yamldoc_node *yamldoc_from_json(const json_t *value, int max_depth)
{
    return from_json(value, 0, max_depth);
}
