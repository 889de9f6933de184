/* textwidth.h — how many terminal columns UTF-8 text takes.
 *
 * A table lines up only when its cells are measured as a terminal draws
 * them: East Asian wide characters and most emoji take two columns,
 * combining marks none.  The ranges are Unicode's (EastAsianWidth W/F and
 * the common Mn blocks); wcwidth(3) would need a UTF-8 locale the CLI does
 * not set.  A byte that is not valid UTF-8 counts as one column.
 */
#ifndef TEXTWIDTH_H
#define TEXTWIDTH_H

#include <stddef.h>

/* Columns of the NUL-terminated string s. */
size_t textwidth(const char *s);

/* Bytes of the longest prefix of s that takes at most `columns` columns
 * and does not cut a character in two; its width in *width (may be NULL). */
size_t textwidth_prefix(const char *s, size_t columns, size_t *width);

#endif
