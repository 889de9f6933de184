/* test_table.c — tables line up by display width and fit a given width. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/table.h"
#include "lib/textwidth.h"
#include "testing.h"

#define OUT_MAX 4096

/* The table printed in `width` columns, into a static buffer. */
static const char *printed(const struct table *t, size_t width)
{
    static char buf[OUT_MAX];
    FILE *f = fmemopen(buf, sizeof buf, "w");

    buf[0] = '\0';
    if (!f)
        return "(fmemopen failed)";
    if (table_print_as(t, f, width, false) != 0)
        snprintf(buf, sizeof buf, "(table_print_as failed)");
    fclose(f);
    return buf;
}

static void add3(struct table *t, const char *a, const char *b, const char *c)
{
    const char *row[] = {a, b, c};
    table_add(t, row);
}

static void textwidth_counts_terminal_columns(void)
{
    CHECK_INT(textwidth("abc"), 3);
    CHECK_INT(textwidth("caf\xc3\xa9"), 4);              /* é: one column */
    CHECK_INT(textwidth("e\xcc\x81"), 1);                /* e + combining acute */
    CHECK_INT(textwidth("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* 日本: two each */
    CHECK_INT(textwidth("\xff"
                        "a"),
              2); /* a stray byte is one */
}

static void textwidth_prefix_never_cuts_a_character(void)
{
    size_t w;
    /* 日本: a prefix of 3 columns holds only the first character */
    CHECK_INT(textwidth_prefix("\xe6\x97\xa5\xe6\x9c\xac", 3, &w), 3);
    CHECK_INT(w, 2);
    /* the combining mark stays with its letter */
    CHECK_INT(textwidth_prefix("e\xcc\x81x", 1, &w), 3);
}

static void table_without_limit_pads_by_display_width(void)
{
    struct table t;

    table_init(&t, 3);
    add3(&t, "NAME", "CITY", "NOTE");
    add3(&t, "a", "\xe6\x97\xa5\xe6\x9c\xac", "x");
    CHECK_STR(printed(&t, 0), "NAME  CITY  NOTE\n"
                              "a     \xe6\x97\xa5\xe6\x9c\xac  x\n");
    table_free(&t);
}

static void table_too_wide_cuts_the_widest_column_first(void)
{
    struct table t;

    table_init(&t, 3);
    add3(&t, "ID", "TASK", "ERROR");
    add3(&t, "1", "backup", "attempt to index a nil value (field 'x')");
    /* 2 + 2 + 6 + 2 + 8 = 20 columns: only ERROR gives up room */
    CHECK_STR(printed(&t, 20), "ID  TASK    ERROR\n"
                               "1   backup  attempt\xe2\x80\xa6\n");
    table_free(&t);
}

static void table_cut_lands_on_a_character_boundary(void)
{
    struct table t;

    table_init(&t, 2);
    const char *head[] = {"A", "B"};
    const char *row[] = {"a",
                         "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x96\x87"}; /* 日本語文 */
    table_add(&t, head);
    table_add(&t, row);
    /* B gets 6 columns: 日本 (4) and "…" (1) fit, the third character not */
    CHECK_STR(printed(&t, 9), "A  B\n"
                              "a  \xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6\n");
    table_free(&t);
}

static void table_shrinks_columns_no_narrower_than_the_minimum(void)
{
    struct table t;

    table_init(&t, 2);
    const char *row[] = {"abcdefgh", "ijklmnop"};
    table_add(&t, row);
    /* far too narrow: both stop at TABLE_CELL_MIN (3 letters and "…") */
    CHECK_STR(printed(&t, 5), "abc\xe2\x80\xa6  ijk\xe2\x80\xa6\n");
    table_free(&t);
}

static void table_that_fits_is_unchanged(void)
{
    struct table t;

    table_init(&t, 3);
    add3(&t, "ID", "TASK", "ERROR");
    add3(&t, "1", "backup", "boom");
    CHECK_STR(printed(&t, 18), "ID  TASK    ERROR\n"
                               "1   backup  boom\n");
    table_free(&t);
}

static void table_print_follows_columns_unless_wide(void)
{
    struct table t;
    char buf[OUT_MAX] = "";
    FILE *f;

    table_init(&t, 2);
    const char *row[] = {"name", "a long cell that does not fit"};
    table_add(&t, row);
    setenv("COLUMNS", "16", 1);
    f = fmemopen(buf, sizeof buf, "w");
    CHECK(f != NULL, "fmemopen");
    if (f) {
        CHECK_INT(table_print(&t, f), 0);
        fclose(f);
        CHECK_STR(buf, "name  a long ce\xe2\x80\xa6\n");
    }
    table_set_wide(true);
    f = fmemopen(buf, sizeof buf, "w");
    if (f) {
        CHECK_INT(table_print(&t, f), 0);
        fclose(f);
        CHECK_STR(buf, "name  a long cell that does not fit\n");
    }
    table_set_wide(false);
    unsetenv("COLUMNS");
    table_free(&t);
}

static void table_colours_styled_cells_only_when_asked(void)
{
    static char buf[OUT_MAX];
    struct table t;
    FILE *f;

    table_init(&t, 2);
    const char *row[] = {"backup", "failing (3 in a row)"};
    table_add(&t, row);
    table_style(&t, 1, TABLE_BAD);
    CHECK_STR(printed(&t, 0), "backup  failing (3 in a row)\n");
    f = fmemopen(buf, sizeof buf, "w");
    CHECK(f != NULL, "fmemopen");
    if (f) {
        CHECK_INT(table_print_as(&t, f, 16, true), 0);
        fclose(f);
        /* the cut text in red, the reset after the "…" */
        CHECK_STR(buf, "backup  \033[31mfailing\xe2\x80\xa6\033[0m\n");
    }
    /* table_print on something that is no terminal: never a colour */
    f = fmemopen(buf, sizeof buf, "w");
    if (f) {
        CHECK_INT(table_print(&t, f), 0);
        fclose(f);
        CHECK(strchr(buf, '\033') == NULL, "no escape in '%s'", buf);
    }
    table_free(&t);
}

int main(void)
{
    RUN(textwidth_counts_terminal_columns);
    RUN(textwidth_prefix_never_cuts_a_character);
    RUN(table_without_limit_pads_by_display_width);
    RUN(table_too_wide_cuts_the_widest_column_first);
    RUN(table_cut_lands_on_a_character_boundary);
    RUN(table_shrinks_columns_no_narrower_than_the_minimum);
    RUN(table_that_fits_is_unchanged);
    RUN(table_print_follows_columns_unless_wide);
    RUN(table_colours_styled_cells_only_when_asked);
    TESTING_EXIT();
}
