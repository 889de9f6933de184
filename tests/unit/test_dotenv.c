/* test_dotenv.c — the project root's .env (config/config_dotenv.c): the
 * parser's forms and errors, and its place between config.yaml and the
 * environment, with each value's origin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "testing.h"

#define PAIRS_MAX 16

struct pairs {
    int count;
    int line[PAIRS_MAX];
    char key[PAIRS_MAX][64], value[PAIRS_MAX][128];
};

static int collect(void *data, int line, const char *key, const char *value, char *why,
                   size_t whylen)
{
    struct pairs *p = data;
    (void)why, (void)whylen;
    if (p->count < PAIRS_MAX) {
        p->line[p->count] = line;
        snprintf(p->key[p->count], sizeof p->key[0], "%s", key);
        snprintf(p->value[p->count], sizeof p->value[0], "%s", value);
        p->count++;
    }
    return 0;
}

static void parses_comments_export_quotes_and_bare_values(void)
{
    struct pairs p = {0};
    char why[CONFIG_DOTENV_ERR_MAX] = "";
    int rc = config_dotenv_parse(".env",
                                 "# a comment\n"
                                 "\n"
                                 "A=plain value  # trailing comment\n"
                                 "export B='single # kept $X'\n"
                                 "C=\"two\\nlines \\\"q\\\" \\\\\"  # after\n"
                                 "  D = \r\n"
                                 "E=url#fragment\n",
                                 collect, &p, why, sizeof why);

    CHECK(rc == 0, "parses: %s", why);
    CHECK_INT(p.count, 5);
    CHECK_STR(p.key[0], "A");
    CHECK_STR(p.value[0], "plain value");
    CHECK_INT(p.line[0], 3);
    CHECK_STR(p.key[1], "B");
    CHECK_STR(p.value[1], "single # kept $X");
    CHECK_STR(p.value[2], "two\nlines \"q\" \\");
    CHECK_STR(p.key[3], "D");
    CHECK_STR(p.value[3], "");
    CHECK_INT(p.line[4], 7);
    CHECK_STR(p.value[4], "url#fragment");
}

static void errors_name_file_and_line(void)
{
    static const char *const cases[][2] = {
        {"A=1\nno equals sign\n", ".env:2: expected KEY=VALUE"},
        {"A=1\nB='open\n", ".env:2: B: a quote is not closed"},
        {"1A=x\n", ".env:1: '1A' is not a variable name"},
        {"A-B=x\n", ".env:1: 'A-B' is not a variable name"},
        {"A=\"x\" y\n", ".env:1: A: text after the closing quote"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pairs p = {0};
        char why[CONFIG_DOTENV_ERR_MAX] = "";
        int rc = config_dotenv_parse(".env", cases[i][0], collect, &p, why, sizeof why);
        CHECK(rc < 0 && strcmp(why, cases[i][1]) == 0, "case %zu: got '%s', want '%s'", i, why,
              cases[i][1]);
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* environment > .env > config.yaml, each value with its origin. */
static void dotenv_sits_between_the_file_and_the_environment(void)
{
    char root[] = "/tmp/test_dotenv_XXXXXX", config[256], dotenv[256], err[512] = "";
    struct config cfg;

    CHECK(mkdtemp(root) != NULL, "mkdtemp");
    snprintf(config, sizeof config, "%s/config.yaml", root);
    snprintf(dotenv, sizeof dotenv, "%s/.env", root);
    write_file(config, "scheduler:\n  max_concurrent: 3\n  kill_grace: 4\n  max_catchup: 5\n");
    write_file(dotenv, "TASKSCHED_SCHEDULER__MAX_CONCURRENT=7\n"
                       "TASKSCHED_SCHEDULER__KILL_GRACE=8\n"
                       "UNRELATED=left alone\n");
    setenv("TASKSCHED_SCHEDULER__KILL_GRACE", "9", 1);
    CHECK(config_load_root(root, config, &cfg, err, sizeof err) == 0, "loads: %s", err);
    unsetenv("TASKSCHED_SCHEDULER__KILL_GRACE");
    CHECK_INT(cfg.scheduler.max_catchup, 5);
    CHECK_INT(cfg.scheduler.max_concurrent, 7);
    CHECK_INT(cfg.scheduler.kill_grace, 9);
    {
        char want[300];
        snprintf(want, sizeof want, "%s:1", dotenv);
        CHECK_STR(config_origin(&cfg, "scheduler", "max_concurrent"), want);
    }
    CHECK_STR(config_origin(&cfg, "scheduler", "kill_grace"),
              "TASKSCHED_SCHEDULER__KILL_GRACE");
    config_free(&cfg);

    write_file(dotenv, "TASKSCHED_SCHEDULER__KILL_GRACE=soon\n");
    CHECK(config_load_root(root, config, &cfg, err, sizeof err) < 0 &&
              strstr(err, ".env:1: scheduler.kill_grace") != NULL,
          "a bad value names .env:line and the key, got '%s'", err);
    CHECK(config_load(config, &cfg, err, sizeof err) == 0, "without a root no .env: %s", err);
    CHECK_INT(cfg.scheduler.kill_grace, 4);
    config_free(&cfg);
    unlink(dotenv);
    unlink(config);
    rmdir(root);
}

int main(void)
{
    RUN(parses_comments_export_quotes_and_bare_values);
    RUN(errors_name_file_and_line);
    RUN(dotenv_sits_between_the_file_and_the_environment);
    TESTING_EXIT();
}
