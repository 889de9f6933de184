/* test_yamldoc.c — YAML tree loading, typing, anchors, errors, emitting. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/yamldoc.h"
#include "testing.h"

static struct yamldoc_node *load(const char *text, char *err)
{
    return yamldoc_load_string(text, strlen(text), "t.yaml", err, YAMLDOC_ERR_MAX);
}

static enum yamldoc_type type_of(const char *text)
{
    return yamldoc_type_text(text).type;
}

static void plain_scalars_follow_yaml11_core_typing(void)
{
    const char *nulls[] = {"", "~", "null", "NULL"};
    for (size_t i = 0; i < 4; i++)
        CHECK(type_of(nulls[i]) == YAMLDOC_NULL, "'%s' is null", nulls[i]);
    CHECK(yamldoc_type_text("yes").boolean, "yes is true");
    CHECK(type_of("On") == YAMLDOC_BOOL, "On is a boolean");
    CHECK(!yamldoc_type_text("off").boolean, "off is false");
    CHECK(type_of("y") == YAMLDOC_STRING, "single letter y stays a string");
    CHECK_INT(yamldoc_type_text("0x1F").integer, 31);
    CHECK_INT(yamldoc_type_text("0o17").integer, 15);
    CHECK_INT(yamldoc_type_text("-1_000").integer, -1000);
    CHECK(type_of("12abc") == YAMLDOC_STRING, "12abc is a string");
    CHECK(yamldoc_type_text("1.5e3").number == 1500.0, "1.5e3");
    CHECK(isinf(yamldoc_type_text("-.inf").number), ".inf");
    CHECK(isnan(yamldoc_type_text(".NaN").number), ".nan");
    CHECK(type_of("99999999999999999999") == YAMLDOC_STRING,
          "an int64 overflow is not an integer");
}

static void quoted_scalars_are_always_strings(void)
{
    char err[YAMLDOC_ERR_MAX];
    struct yamldoc_node *root = load("a: '10'\nb: \"true\"\nc: !!str 5\n"
                                     "d: 10\n",
                                     err);
    CHECK(root != NULL, "load: %s", err);
    if (!root)
        return;
    CHECK(yamldoc_scalar_value(yamldoc_get(root, "a")).type == YAMLDOC_STRING,
          "'10' is a string");
    CHECK(yamldoc_scalar_value(yamldoc_get(root, "b")).type == YAMLDOC_STRING,
          "\"true\" is a string");
    CHECK(yamldoc_scalar_value(yamldoc_get(root, "c")).type == YAMLDOC_STRING,
          "!!str 5 is a string");
    CHECK_INT(yamldoc_scalar_value(yamldoc_get(root, "d")).integer, 10);
    yamldoc_free(root);
}

static void nodes_carry_line_and_column(void)
{
    char err[YAMLDOC_ERR_MAX];
    struct yamldoc_node *root = load("top:\n  inner: [1, 2]\n", err);
    CHECK(root != NULL, "load: %s", err);
    if (!root)
        return;
    const struct yamldoc_node *inner = yamldoc_path(root, "top.inner");
    CHECK(inner && inner->kind == YAMLDOC_SEQUENCE, "top.inner is a list");
    if (inner) {
        CHECK_INT(inner->line, 2);
        CHECK_INT(inner->column, 10);
        CHECK_INT(inner->items[1]->column, 14);
    }
    yamldoc_free(root);
}

static void aliases_copy_anchors_and_merge_keys_apply(void)
{
    char err[YAMLDOC_ERR_MAX];
    struct yamldoc_node *root = load("base: &b {x: 1, y: 2}\n"
                                     "copy: *b\n"
                                     "child:\n  <<: *b\n  y: 3\n",
                                     err);
    CHECK(root != NULL, "load: %s", err);
    if (!root)
        return;
    CHECK_STR(yamldoc_path(root, "copy.x")->text, "1");
    CHECK_STR(yamldoc_path(root, "child.x")->text, "1");
    CHECK_STR(yamldoc_path(root, "child.y")->text, "3");
    CHECK(yamldoc_get(yamldoc_get(root, "child"), "<<") == NULL,
          "the merge key itself is gone");
    CHECK_INT(yamldoc_get(root, "child")->count, 2);
    yamldoc_free(root);
}

static void syntax_error_reports_line_and_column(void)
{
    char err[YAMLDOC_ERR_MAX];
    struct yamldoc_node *root = load("a: 1\nb: [1, 2\nc: 3\n", err);
    CHECK(root == NULL, "a broken flow sequence fails");
    CHECK(strncmp(err, "t.yaml:3:2: ", 12) == 0, "got '%s'", err);
    yamldoc_free(root);
}

static void unknown_alias_and_duplicate_key_are_errors(void)
{
    char err[YAMLDOC_ERR_MAX];
    CHECK(load("a: *nope\n", err) == NULL, "unknown alias fails");
    CHECK(strstr(err, "t.yaml:1:4: unknown alias '*nope'") != NULL, "got '%s'", err);
    CHECK(load("a: 1\nb: 2\na: 3\n", err) == NULL, "duplicate key fails");
    CHECK_STR(err, "t.yaml:3:1: duplicate key 'a'");
}

static void alias_bombs_are_bounded(void)
{
    char text[2048] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (char c = 'b'; c <= 'j'; c++) {
        char line[96];
        snprintf(line, sizeof line,
                 "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, "
                 "*%c, *%c, *%c, *%c]\n",
                 c, c, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
        strcat(text, line);
    }
    char err[YAMLDOC_ERR_MAX];
    struct yamldoc_node *root = load(text, err);
    CHECK(root == NULL, "10^10 nodes are refused");
    CHECK(strstr(err, "document too large") != NULL, "got '%s'", err);
    yamldoc_free(root);
}

static void emitted_tree_reads_back_with_same_types(void)
{
    char err[YAMLDOC_ERR_MAX];
    char path[] = "/tmp/test_yamldoc_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp");
    if (fd < 0)
        return;
    close(fd);
    struct yamldoc_node *map = yamldoc_new_mapping();
    struct yamldoc_node *list = yamldoc_new_sequence();
    yamldoc_set(map, "count", yamldoc_new_scalar("42", 2, false));
    yamldoc_set(map, "word", yamldoc_new_scalar("true", 4, true));
    yamldoc_append(list, yamldoc_new_scalar("a b: c", 6, true));
    yamldoc_set(map, "list", list);
    CHECK(yamldoc_emit_file(map, path, err, sizeof err) == 0, "emit: %s", err);
    struct yamldoc_node *back = yamldoc_load_file(path, err, sizeof err);
    CHECK(back != NULL, "reload: %s", err);
    if (back) {
        CHECK_INT(yamldoc_scalar_value(yamldoc_get(back, "count")).integer, 42);
        CHECK(yamldoc_scalar_value(yamldoc_get(back, "word")).type == YAMLDOC_STRING,
              "quoted 'true' stays a string");
        CHECK_STR(yamldoc_get(back, "list")->items[0]->text, "a b: c");
    }
    yamldoc_free(back);
    yamldoc_free(map);
    unlink(path);
}

static void empty_document_is_a_null_root(void)
{
    char err[YAMLDOC_ERR_MAX];
    struct yamldoc_node *root = load("# only a comment\n", err);
    CHECK(root && yamldoc_scalar_value(root).type == YAMLDOC_NULL, "null root");
    yamldoc_free(root);
}

int main(void)
{
    RUN(plain_scalars_follow_yaml11_core_typing);
    RUN(quoted_scalars_are_always_strings);
    RUN(nodes_carry_line_and_column);
    RUN(aliases_copy_anchors_and_merge_keys_apply);
    RUN(syntax_error_reports_line_and_column);
    RUN(unknown_alias_and_duplicate_key_are_errors);
    RUN(alias_bombs_are_bounded);
    RUN(emitted_tree_reads_back_with_same_types);
    RUN(empty_document_is_a_null_root);
    TESTING_EXIT();
}
