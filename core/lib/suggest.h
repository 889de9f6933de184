/* suggest.h — "did you mean …?" for misspelt names (task fields, config
 * keys and sections): the closest candidate by edit distance, if close.
 *
 *     struct suggest s;
 *     suggest_init(&s, "timout");
 *     for (each known name) suggest_consider(&s, name);
 *     if (s.best) … "(did you mean '%s'?)", s.best
 */
#ifndef SUGGEST_H
#define SUGGEST_H

#include <stddef.h>

#define SUGGEST_MAX_DISTANCE 2 /* farther than this is no suggestion */
#define SUGGEST_WORD_MAX 64    /* longer names get no suggestion */

struct suggest {
    const char *word; /* the misspelt name */
    const char *best; /* closest candidate so far, or NULL */
    size_t distance;
};

void suggest_init(struct suggest *s, const char *word);
void suggest_consider(struct suggest *s, const char *candidate);

#endif
