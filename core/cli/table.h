/* table.h — a text table whose columns line up, for the CLI's listings.
 *
 * Cells are copied in as rows are added; table_print measures every column
 * and pads each cell (in UTF-8 characters, not bytes) before printing.
 */
#ifndef TABLE_H
#define TABLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#define TABLE_COLUMNS_MAX 12

struct table {
    size_t columns;
    size_t rows, cap;
    char **cells; /* rows * columns, row-major, owned */
    int failed;   /* an allocation failed: table_print reports it */
};

/* An empty table of `columns` (<= TABLE_COLUMNS_MAX) columns. */
void table_init(struct table *t, size_t columns);

/* Append a row of exactly t->columns cells (NULL prints as "-"). */
void table_add(struct table *t, const char *const *cells);

/* Print the rows, the last column unpadded; 0, or -1 when out of memory
 * earlier or when writing failed. */
int table_print(const struct table *t, FILE *out);

void table_free(struct table *t);

/* The --json form of a listing: `value` indented, then a newline.  0, or
 * -1 when writing failed. */
int table_print_json(const json_t *value, FILE *out);

#endif
