/* table.c — aligned text tables (see table.h). */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_GAP 2 /* spaces between columns */
#define TABLE_EMPTY "-"

void table_init(struct table *t, size_t columns)
{
    memset(t, 0, sizeof *t);
    t->columns = columns < TABLE_COLUMNS_MAX ? columns : TABLE_COLUMNS_MAX;
}

void table_add(struct table *t, const char *const *cells)
{
    if (t->failed)
        return;
    if (t->rows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **grown = realloc(t->cells, cap * t->columns * sizeof *grown);
        if (!grown) {
            t->failed = 1;
            return;
        }
        t->cells = grown;
        t->cap = cap;
    }
    char **row = t->cells + t->rows * t->columns;
    for (size_t c = 0; c < t->columns; c++) {
        row[c] = strdup(cells[c] ? cells[c] : TABLE_EMPTY);
        if (!row[c]) {
            while (c > 0)
                free(row[--c]);
            t->failed = 1;
            return;
        }
    }
    t->rows++;
}

/* Display width of a UTF-8 string: one per character (continuation bytes
 * do not count). */
static size_t table_width(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int table_print(const struct table *t, FILE *out)
{
    size_t width[TABLE_COLUMNS_MAX] = {0};

    if (t->failed)
        return -1;
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < t->columns; c++) {
            size_t w = table_width(t->cells[r * t->columns + c]);
            if (w > width[c])
                width[c] = w;
        }
    }
    for (size_t r = 0; r < t->rows; r++) {
        char **row = t->cells + r * t->columns;
        size_t last = t->columns - 1;
        while (last > 0 && !row[last][0]) /* no padding before empty cells */
            last--;
        for (size_t c = 0; c < last; c++) {
            int pad = (int)(width[c] - table_width(row[c]) + TABLE_GAP);
            fprintf(out, "%s%*s", row[c], pad, "");
        }
        fprintf(out, "%s\n", row[last]);
    }
    return ferror(out) ? -1 : 0;
}

int table_print_json(const json_t *value, FILE *out)
{
    if (json_dumpf(value, out, JSON_INDENT(2)) < 0 || fputc('\n', out) == EOF)
        return -1;
    return 0;
}

void table_free(struct table *t)
{
    for (size_t i = 0; i < t->rows * t->columns; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}
