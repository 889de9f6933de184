/* replay.c — a fuzz target without libFuzzer, for `make test`.
 *
 * Built with the normal compiler against one tests/fuzz/fuzz_NAME.c (with
 * -DFUZZ_NAME='"NAME"'), it feeds every file of tests/fuzz/corpus/NAME/ and
 * tests/fuzz/regressions/NAME/ (inputs that once crashed or hung a target)
 * to LLVMFuzzerTestOneInput, and prints "ok - …" for each.  A crash ends
 * the binary, an input running longer than REPLAY_TIMEOUT seconds is
 * killed by SIGALRM: tests/run.sh reports either as a failure.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPLAY_TIMEOUT 10 /* seconds per input, as -timeout in `make fuzz` */
#define REPLAY_PATH_MAX 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const replay_dirs[] = {"tests/fuzz/corpus/", "tests/fuzz/regressions/"};

/* The whole file in a malloc'd buffer, or NULL. */
static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long len;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)len + 1)) != NULL &&
        fread(data, 1, (size_t)len, f) != (size_t)len) {
        free(data);
        data = NULL;
    }
    if (fclose(f) != 0) {
        free(data);
        return NULL;
    }
    if (data)
        *size = (size_t)len;
    return data;
}

/* Replay every regular file of dir; a missing dir has nothing to replay. */
static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int failed = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char path[REPLAY_PATH_MAX];
        size_t size;
        uint8_t *data;

        if (e->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
            !(data = read_all(path, &size))) {
            printf("not ok - fuzz_%s replays %s: cannot read it\n", FUZZ_NAME, path);
            failed = 1;
            continue;
        }
        alarm(REPLAY_TIMEOUT);
        LLVMFuzzerTestOneInput(data, size);
        alarm(0);
        free(data);
        printf("ok - fuzz_%s replays %s\n", FUZZ_NAME, path);
        fflush(stdout);
    }
    if (closedir(d) != 0)
        failed = 1;
    return failed;
}

int main(void)
{
    int failed = 0;

    for (size_t i = 0; i < sizeof replay_dirs / sizeof replay_dirs[0]; i++) {
        char dir[REPLAY_PATH_MAX];
        snprintf(dir, sizeof dir, "%s%s", replay_dirs[i], FUZZ_NAME);
        failed |= replay_dir(dir);
    }
    return failed;
}
