/* test_yamldoc.c — YAML tree loading, typing, anchors, errors, emitting. */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/yamldoc.h"
#include "testing.h"

#define BOMB_PEAK_MAX (32u << 20) /* bytes a refused alias bomb may take */
/* Freed chunks the allocator caches per thread (tcache) still count as in
 * use; a partial tree not freed would be megabytes. */
#define HEAP_SLACK (64u << 10)

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

/* Bytes the allocator holds: in use, and taken from the system (which a
 * free does not give back, so its growth is the peak of what was used). */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static size_t heap_taken(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.arena + mi.hblkhd;
}

/* The refusal comes after a few megabytes, not after the hundreds that a
 * million nodes take, and the partial tree is freed. */
static void check_refused_small(const char *text, const char *what, const char *where)
{
    char err[YAMLDOC_ERR_MAX];
    size_t in_use = heap_in_use(), taken = heap_taken();
    struct yamldoc_node *root = load(text, err);

    CHECK(root == NULL, "%s is refused", what);
    CHECK(strncmp(err, where, strlen(where)) == 0 && strstr(err, "document too large"),
          "%s: got '%s'", what, err);
    yamldoc_free(root);
    CHECK(heap_in_use() < in_use + HEAP_SLACK, "%s: %zu bytes still in use", what,
          heap_in_use() - in_use);
    CHECK(heap_taken() - taken < BOMB_PEAK_MAX, "%s: the heap grew by %zu bytes", what,
          heap_taken() - taken);
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
    check_refused_small(text, "10^10 nodes", "t.yaml:5:");

    /* Few nodes, but each copy a megabyte. */
    size_t big = 1u << 20;
    char *strings = malloc(big + 1024);
    CHECK(strings != NULL, "malloc");
    if (!strings)
        return;
    strcpy(strings, "a: &a \"");
    memset(strings + 6, 'x', big);
    strcpy(strings + 6 + big, "\"\nb: [");
    for (int i = 0; i < 40; i++)
        strcat(strings + big, "*a, ");
    strcat(strings + big, "*a]\n");
    check_refused_small(strings, "40 copies of a 1 MiB string", "t.yaml:2:");
    free(strings);
}

/* Repeating a mapping is what aliases are for: thousands of merges load. */
static void many_merges_load(void)
{
    enum { JOBS = 5000 };
    size_t cap = 1024 + JOBS * 64;
    char *text = malloc(cap), err[YAMLDOC_ERR_MAX];
    size_t len = 0;

    CHECK(text != NULL, "malloc");
    if (!text)
        return;
    len += (size_t)snprintf(text + len, cap - len, "defaults: &d\n");
    for (int k = 0; k < 10; k++)
        len += (size_t)snprintf(text + len, cap - len, "  key%d: value %d\n", k, k);
    len += (size_t)snprintf(text + len, cap - len, "jobs:\n");
    for (int j = 0; j < JOBS; j++)
        len += (size_t)snprintf(text + len, cap - len, "  job%d: {<<: *d, command: run}\n", j);
    struct yamldoc_node *root = load(text, err);
    CHECK(root != NULL, "load: %s", err);
    CHECK(root && yamldoc_get(root, "jobs")->count == JOBS, "every job");
    CHECK(root && yamldoc_path(root, "jobs.job4999.key9") &&
              strcmp(yamldoc_path(root, "jobs.job4999.key9")->text, "value 9") == 0,
          "merged");
    yamldoc_free(root);
    free(text);
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
    RUN(many_merges_load);
    RUN(emitted_tree_reads_back_with_same_types);
    RUN(empty_document_is_a_null_root);
    TESTING_EXIT();
}
