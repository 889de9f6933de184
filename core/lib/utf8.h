/* utf8.h — bytes that may not be text (task output, file names) made safe
 * for JSON strings and for one line of a log or a listing.
 *
 * JSON strings must be UTF-8 (jansson refuses anything else, and a reader
 * refuses \u0000), and a control character in a text line can forge a line
 * of its own.  One validator serves every place that meets such bytes.
 */
#ifndef UTF8_H
#define UTF8_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (`left` bytes available), 0 when
 * the bytes there are not one.  NUL counts as invalid. */
size_t utf8_char_len(const unsigned char *s, size_t left);

/* The longest prefix of s[0..len) of at most `max` bytes that does not cut
 * a valid character in two. */
size_t utf8_prefix(const char *s, size_t len, size_t max);

/* A JSON string of s[0..len), each byte that is not valid UTF-8 replaced by
 * '?'.  New reference, NULL when out of memory. */
json_t *utf8_json_string(const char *s, size_t len);

/* True when s is valid UTF-8 without control characters (C0, DEL, C1). */
bool utf8_is_printable(const char *s);

/* s[0..len) to out with every control character (C0, DEL and the C1
 * controls some terminals obey) written as \n, \r, \t or \xNN and every
 * byte that is not valid UTF-8 as \xNN, so it prints as one line that no
 * reader's terminal acts on.  A backslash stays as it is: the escapes are
 * for reading, not parsing.  0, or -1 when writing failed. */
int utf8_write_escaped(FILE *out, const char *s, size_t len);

/* utf8_write_escaped of a string, as a new string (malloc'd); NULL when
 * out of memory. */
char *utf8_escape(const char *s);

#endif
