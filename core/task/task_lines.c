/* task_lines.c — finding a task file's `return` and its fields in the source.
 *
 * A Lua table does not remember where its fields were written, so the
 * lines of task_fields' messages come from the text.  The same words occur
 * elsewhere: `timeout = 5` in a nested table, in a run() body, in a string
 * or a comment.  A lexer that knows just enough Lua tells them apart:
 * comments and strings (short, with escapes, and long, of any level) are
 * skipped whole, and every bracket and block keyword counts as one level
 * of nesting, so the chunk's own `return` is the one at level 0 and the
 * keys of the table it returns are the names followed by `=` at level 1.
 * The file has compiled and run before anyone asks, so it is valid Lua.
 */
#include "task_lines.h"

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

enum token_kind {
    TOKEN_END,    /* the end of the source */
    TOKEN_NAME,   /* a name or a keyword */
    TOKEN_ASSIGN, /* a lone `=` */
    TOKEN_OTHER,  /* a number, a string, an operator */
};

struct lexer {
    const char *p;
    int line;
};

struct token {
    enum token_kind kind;
    const char *text;
    size_t len;
    int line;
    int nesting; /* +1 opens a level, -1 closes one */
};

/* A block ends with `end` (function, do, if; while and for open theirs
 * with `do`) or with `until` (repeat). */
static const char *const block_openers[] = {"function", "do", "if", "repeat", NULL};
static const char *const block_closers[] = {"end", "until", NULL};

static bool is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static bool token_is(const struct token *tok, const char *word)
{
    return tok->len == strlen(word) && strncmp(tok->text, word, tok->len) == 0;
}

static bool token_is_one_of(const struct token *tok, const char *const words[])
{
    for (size_t i = 0; words[i]; i++)
        if (token_is(tok, words[i]))
            return true;
    return false;
}

/* The level of the long bracket opening at p (`[[` 0, `[==[` 2), or -1. */
static int long_bracket_level(const char *p)
{
    size_t level;
    if (p[0] != '[')
        return -1;
    level = strspn(p + 1, "=");
    return p[1 + level] == '[' ? (int)level : -1;
}

/* Past the long string or comment body whose opening bracket of `level`
 * is at lx->p, to after its closing bracket of the same level. */
static void skip_long(struct lexer *lx, int level)
{
    const char *p = lx->p + level + 2;
    for (; *p; p++) {
        if (*p == '\n')
            lx->line++;
        else if (*p == ']' && strspn(p + 1, "=") == (size_t)level && p[level + 1] == ']')
            break;
    }
    lx->p = *p ? p + level + 2 : p;
}

/* Past the quoted string at lx->p; a backslash takes the character after
 * it along, be it the quote or a newline. */
static void skip_quoted(struct lexer *lx)
{
    char quote = *lx->p++;
    while (*lx->p && *lx->p != quote) {
        if (lx->p[0] == '\\' && lx->p[1])
            lx->p++;
        if (*lx->p == '\n')
            lx->line++;
        lx->p++;
    }
    if (*lx->p)
        lx->p++;
}

static void skip_blanks_and_comments(struct lexer *lx)
{
    for (;;) {
        if (*lx->p == '\n') {
            lx->line++;
            lx->p++;
        } else if (isspace((unsigned char)*lx->p)) {
            lx->p++;
        } else if (lx->p[0] == '-' && lx->p[1] == '-') {
            int level = long_bracket_level(lx->p + 2);
            lx->p += 2;
            if (level >= 0)
                skip_long(lx, level);
            else
                lx->p += strcspn(lx->p, "\n");
        } else {
            return;
        }
    }
}

static struct token next_token(struct lexer *lx)
{
    struct token tok = {.kind = TOKEN_OTHER};
    int level;

    skip_blanks_and_comments(lx);
    tok.text = lx->p;
    tok.line = lx->line;
    if (*lx->p == '\0') {
        tok.kind = TOKEN_END;
    } else if (is_name_char(*lx->p)) { /* numbers too: 0x1F, 1e5 */
        while (is_name_char(*lx->p))
            lx->p++;
        if (!isdigit((unsigned char)*tok.text))
            tok.kind = TOKEN_NAME;
    } else if (*lx->p == '"' || *lx->p == '\'') {
        skip_quoted(lx);
    } else if ((level = long_bracket_level(lx->p)) >= 0) {
        skip_long(lx, level);
    } else if (lx->p[0] == '=' && lx->p[1] != '=') {
        tok.kind = TOKEN_ASSIGN;
        lx->p++;
    } else if (strchr("=<>~", lx->p[0]) && lx->p[1] == '=') {
        lx->p += 2; /* ==, <=, >=, ~= */
    } else {
        tok.nesting = strchr("{([", *lx->p) ? 1 : strchr("})]", *lx->p) ? -1 : 0;
        lx->p++;
    }
    tok.len = (size_t)(lx->p - tok.text);
    if (tok.kind == TOKEN_NAME)
        tok.nesting = token_is_one_of(&tok, block_openers)   ? 1
                      : token_is_one_of(&tok, block_closers) ? -1
                                                             : 0;
    return tok;
}

/* Moves lx past the chunk's own `return`; returns its line, or 0. */
static int find_return(struct lexer *lx)
{
    int depth = 0;
    for (;;) {
        struct token tok = next_token(lx);
        if (tok.kind == TOKEN_END)
            return 0;
        if (depth == 0 && tok.kind == TOKEN_NAME && token_is(&tok, "return"))
            return tok.line;
        depth += tok.nesting;
    }
}

int task_lines_return(const char *content)
{
    struct lexer lx = {content, 1};
    int line = find_return(&lx);
    return line ? line : 1;
}

int task_lines_first_field(const char *content, task_lines_match *match, void *data)
{
    struct lexer lx = {content, 1};
    struct token tok;
    int depth = 1; /* inside the returned table */

    if (find_return(&lx) == 0)
        return 0;
    tok = next_token(&lx);
    if (!token_is(&tok, "{"))
        return 0;
    while (depth > 0 && (tok = next_token(&lx)).kind != TOKEN_END) {
        if (depth == 1 && tok.kind == TOKEN_NAME) {
            struct lexer after = lx;
            if (next_token(&after).kind == TOKEN_ASSIGN && match(data, tok.text, tok.len))
                return tok.line;
        }
        depth += tok.nesting;
    }
    return 0;
}

static bool is_name(void *data, const char *key, size_t len)
{
    const char *name = data;
    return strlen(name) == len && strncmp(key, name, len) == 0;
}

int task_lines_field(const char *content, const char *name)
{
    return task_lines_first_field(content, is_name, (void *)name);
}
