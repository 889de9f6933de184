/* table.h — a text table whose columns line up, for the CLI's listings.
 *
 * Cells are copied in as rows are added; table_print measures every column
 * in terminal columns (lib/textwidth.h) and pads each cell before printing.
 * A table fits the terminal: when the rows are wider than it, the widest
 * columns give up room first, and a cell too long for its column is cut at
 * a character boundary and ends in "…".  A cell may carry a style, which
 * becomes a colour only on a terminal and never when NO_COLOR is set
 * (https://no-color.org).
 */
#ifndef TABLE_H
#define TABLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TABLE_COLUMNS_MAX 12

/* What a cell says at a glance; a colour on a terminal. */
enum table_style { TABLE_PLAIN, TABLE_GOOD, TABLE_WARN, TABLE_BAD };

struct table {
    size_t columns;
    size_t rows, cap;
    char **cells;          /* rows * columns, row-major, owned */
    unsigned char *styles; /* rows * columns enum table_style */
    int failed;            /* an allocation failed: table_print reports it */
};

/* An empty table of `columns` (<= TABLE_COLUMNS_MAX) columns. */
void table_init(struct table *t, size_t columns);

/* Append a row of exactly t->columns cells (NULL prints as "-"). */
void table_add(struct table *t, const char *const *cells);

/* Style cell `column` of the row added last. */
void table_style(struct table *t, size_t column, enum table_style style);

/* table_print_as for the terminal `out` is: its width is $COLUMNS when set
 * to a number, else the width of the terminal on stdout, else (a pipe, a
 * file) no limit, and none either after table_set_wide(true); colours
 * when `out` is a terminal and NO_COLOR is unset or empty. */
int table_print(const struct table *t, FILE *out);

/* Print the rows, the last column unpadded, in at most `width` columns
 * (0 = no limit) as far as TABLE_CELL_MIN columns a cell allows, styled
 * cells in colour when `colour`; 0, or -1 when out of memory earlier or
 * when writing failed. */
#define TABLE_CELL_MIN 4
int table_print_as(const struct table *t, FILE *out, size_t width, bool colour);

/* --wide: tables keep every cell whole, whatever the terminal. */
void table_set_wide(bool wide);

void table_free(struct table *t);

/* The --json form of a listing: `value` indented, then a newline.  0, or
 * -1 when writing failed. */
int table_print_json(const json_t *value, FILE *out);

#endif
