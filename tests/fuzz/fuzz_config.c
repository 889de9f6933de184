/* fuzz_config.c — libFuzzer target: YAML text through yamldoc_load_string,
 * and through config_load as config.yaml, with environment overrides.
 *
 * Input: the YAML text, then optionally a NUL byte and NUL-separated
 * "SECTION__KEY=value" entries, each set as TASKSCHED_SECTION__KEY for the
 * config_load call.  config_load reads a path, so the text goes to one
 * temporary file made at the first input and rewritten for every input.
 */
#include <unistd.h>

#include "config/config.h"
#include "fuzz.h"
#include "lib/yamldoc.h"

#define FUZZ_ENV_MAX 4 /* overrides read per input */
#define FUZZ_ENV_NAME_MAX 256
#define FUZZ_FILE_TEMPLATE "/tmp/fuzz_config_XXXXXX"

static char file_path[] = FUZZ_FILE_TEMPLATE;
static int file_fd = -1;
static FILE *sink; /* /dev/null, for config_print_effective */

static void remove_file(void)
{
    if (unlink(file_path) < 0)
        perror(file_path);
}

static void setup(void)
{
    file_fd = mkstemp(file_path);
    if (file_fd < 0)
        fuzz_fail("mkstemp", FUZZ_FILE_TEMPLATE);
    if (atexit(remove_file) != 0)
        fuzz_fail("atexit", file_path);
    sink = fopen("/dev/null", "w");
    if (!sink)
        fuzz_fail("fopen", "/dev/null");
}

static void write_file(const uint8_t *data, size_t size)
{
    if (ftruncate(file_fd, 0) < 0)
        fuzz_fail("ftruncate", file_path);
    for (size_t done = 0; done < size;) {
        ssize_t n = pwrite(file_fd, data + done, size - done, (off_t)done);
        if (n <= 0)
            fuzz_fail("pwrite", file_path);
        done += (size_t)n;
    }
}

/* Type every scalar, as the config checks do. */
static void walk(const struct yamldoc_node *node)
{
    if (node->kind == YAMLDOC_SCALAR) {
        (void)yamldoc_scalar_value(node);
        return;
    }
    for (size_t i = 0; i < node->count; i++) {
        if (node->kind == YAMLDOC_SEQUENCE) {
            walk(node->items[i]);
        } else {
            walk(node->pairs[i].key);
            walk(node->pairs[i].value);
        }
    }
}

/* Set the "NAME=value" entries of [p, end) as TASKSCHED_NAME; returns how
 * many were set, their names in names[]. */
static size_t set_env(const char *p, const char *end, char names[][FUZZ_ENV_NAME_MAX])
{
    size_t count = 0;

    for (; p < end && count < FUZZ_ENV_MAX; p += strlen(p) + 1) {
        const char *eq = strchr(p, '=');
        if (!eq)
            continue;
        int n = snprintf(names[count], FUZZ_ENV_NAME_MAX, "%s%.*s", CONFIG_ENV_PREFIX,
                         (int)(eq - p), p);
        if (n < 0 || n >= FUZZ_ENV_NAME_MAX)
            continue;
        if (setenv(names[count], eq + 1, 1) < 0)
            fuzz_fail("setenv", names[count]);
        count++;
    }
    return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    size_t yaml_len = strlen(text);
    char err[CONFIG_ERR_MAX];
    char names[FUZZ_ENV_MAX][FUZZ_ENV_NAME_MAX];
    struct yamldoc_node *root;
    struct config cfg;

    if (file_fd < 0)
        setup();
    root = yamldoc_load_string(text, yaml_len, file_path, err, sizeof err);
    if (root)
        walk(root);
    yamldoc_free(root);

    write_file(data, yaml_len);
    size_t env_count = set_env(text + yaml_len + 1, text + size, names);
    if (config_load(file_path, &cfg, err, sizeof err) == 0) {
        if (config_print_effective(&cfg, sink) < 0)
            fuzz_fail("config_print_effective", "writing to /dev/null");
        config_free(&cfg);
    }
    for (size_t i = 0; i < env_count; i++)
        if (unsetenv(names[i]) < 0)
            fuzz_fail("unsetenv", names[i]);
    free(text);
    return 0;
}
