/* suggest.c — nearest known name by Levenshtein distance. */
#include "suggest.h"

#include <stdint.h>
#include <string.h>

/* Levenshtein distance with one row; SIZE_MAX when a word is too long. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[SUGGEST_WORD_MAX + 1];

    if (la > SUGGEST_WORD_MAX || lb > SUGGEST_WORD_MAX)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t best = diagonal + (a[i - 1] != b[j - 1]);
            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[lb];
}

void suggest_init(struct suggest *s, const char *word)
{
    s->word = word;
    s->best = NULL;
    s->distance = SUGGEST_MAX_DISTANCE + 1;
}

void suggest_consider(struct suggest *s, const char *candidate)
{
    size_t d = distance(s->word, candidate);

    /* "a" -> "at" is distance 1 but no help: a suggestion must keep some
     * of the word. */
    if (d < s->distance && d < strlen(s->word)) {
        s->best = candidate;
        s->distance = d;
    }
}
