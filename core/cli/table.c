/* table.c — aligned text tables that fit the terminal (see table.h). */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/textwidth.h"
#include "lib/utf8.h"

#define TABLE_GAP 2 /* spaces between columns */
#define TABLE_EMPTY "-"
#define TABLE_ELLIPSIS "\xe2\x80\xa6" /* "…", one column */
#define TABLE_ELLIPSIS_WIDTH 1
#define TABLE_SGR_RESET "\033[0m"

/* Select Graphic Rendition sequences of the styles: green, yellow, red. */
static const char *const table_sgr[] = {
    [TABLE_PLAIN] = "",
    [TABLE_GOOD] = "\033[32m",
    [TABLE_WARN] = "\033[33m",
    [TABLE_BAD] = "\033[31m",
};

static bool table_wide; /* --wide: main.c sets it once, before any table */

void table_set_wide(bool wide)
{
    table_wide = wide;
}

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
        if (grown)
            t->cells = grown;
        unsigned char *styles = grown ? realloc(t->styles, cap * t->columns) : NULL;
        if (!styles) {
            t->failed = 1;
            return;
        }
        t->styles = styles;
        t->cap = cap;
    }
    memset(t->styles + t->rows * t->columns, TABLE_PLAIN, t->columns);
    char **row = t->cells + t->rows * t->columns;
    for (size_t c = 0; c < t->columns; c++) {
        /* A title or an error is the task's text: no control character of
         * it reaches the reader's terminal. */
        row[c] = utf8_escape(cells[c] ? cells[c] : TABLE_EMPTY);
        if (!row[c]) {
            while (c > 0)
                free(row[--c]);
            t->failed = 1;
            return;
        }
    }
    t->rows++;
}

void table_style(struct table *t, size_t column, enum table_style style)
{
    if (t->rows > 0 && column < t->columns)
        t->styles[(t->rows - 1) * t->columns + column] = (unsigned char)style;
}

/* The columns a table may take on stdout's terminal; 0 = no limit. */
static size_t table_terminal_width(void)
{
    const char *env = getenv("COLUMNS");
    struct winsize ws;
    char *end;

    if (env && *env) {
        errno = 0;
        unsigned long n = strtoul(env, &end, 10);
        if (errno == 0 && *end == '\0' && n > 0)
            return (size_t)n;
    }
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

/* Take room from the widest columns, one column of text at a time, until
 * the row fits `limit` or every column is down to TABLE_CELL_MIN (or its
 * own width, when narrower). */
static void table_fit(size_t *width, size_t columns, size_t limit)
{
    size_t total = TABLE_GAP * (columns - 1);

    for (size_t c = 0; c < columns; c++)
        total += width[c];
    while (total > limit) {
        size_t widest = 0;
        for (size_t c = 1; c < columns; c++)
            if (width[c] > width[widest])
                widest = c;
        if (width[widest] <= TABLE_CELL_MIN)
            return;
        width[widest]--;
        total--;
    }
}

/* Colours for `out`: a terminal, and NO_COLOR unset or empty. */
static bool table_colour_wanted(FILE *out)
{
    const char *no = getenv("NO_COLOR");

    return isatty(fileno(out)) && !(no && *no);
}

/* One cell in `width` columns: cut with "…" when longer, in its colour
 * (the padding is not), padded to the width unless it is the row's last.
 * 0, or -1 when writing failed. */
static int table_cell(FILE *out, const char *cell, const char *sgr, size_t width, bool last)
{
    size_t used = textwidth(cell), len = strlen(cell);

    if (used > width) {
        len = textwidth_prefix(cell, width - TABLE_ELLIPSIS_WIDTH, &used);
        used += TABLE_ELLIPSIS_WIDTH;
    }
    if (fputs(sgr, out) == EOF || fwrite(cell, 1, len, out) != len ||
        (len < strlen(cell) && fputs(TABLE_ELLIPSIS, out) == EOF) ||
        (*sgr && fputs(TABLE_SGR_RESET, out) == EOF))
        return -1;
    if (last)
        return fputc('\n', out) == EOF ? -1 : 0;
    return fprintf(out, "%*s", (int)(width - used + TABLE_GAP), "") < 0 ? -1 : 0;
}

int table_print_as(const struct table *t, FILE *out, size_t limit, bool colour)
{
    size_t width[TABLE_COLUMNS_MAX] = {0};

    if (t->failed)
        return -1;
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < t->columns; c++) {
            size_t w = textwidth(t->cells[r * t->columns + c]);
            if (w > width[c])
                width[c] = w;
        }
    }
    if (limit > 0 && t->columns > 0)
        table_fit(width, t->columns, limit);
    for (size_t r = 0; r < t->rows; r++) {
        char **row = t->cells + r * t->columns;
        size_t last = t->columns - 1;
        while (last > 0 && !row[last][0]) /* no padding before empty cells */
            last--;
        for (size_t c = 0; c <= last; c++) {
            const char *sgr = colour ? table_sgr[t->styles[r * t->columns + c]] : "";
            if (table_cell(out, row[c], sgr, width[c], c == last) < 0)
                return -1;
        }
    }
    return ferror(out) ? -1 : 0;
}

int table_print(const struct table *t, FILE *out)
{
    return table_print_as(t, out, table_wide ? 0 : table_terminal_width(),
                          table_colour_wanted(out));
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
    free(t->styles);
    memset(t, 0, sizeof *t);
}
