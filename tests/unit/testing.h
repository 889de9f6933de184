/* testing.h — the smallest unit-test harness that does the job.
 *
 * A test is a `static void name(void)`; RUN(name) runs it and prints
 * "ok - name" or "not ok - name" followed by each failed CHECK with its
 * file:line and message.  tests/run.sh counts those lines.  A test binary
 * exits 1 when any test failed.
 */
#ifndef TESTING_H
#define TESTING_H

#include <stdio.h>
#include <string.h>

static int testing_failed_checks;
static int testing_failed_tests;

#define CHECK(cond, ...)                                                                 \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            testing_failed_checks++;                                                     \
            fprintf(stdout, "#   %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stdout, __VA_ARGS__);                                                \
            fputc('\n', stdout);                                                         \
        }                                                                                \
    } while (0)

#define CHECK_STR(got, want)                                                            \
    do {                                                                                \
        const char *g_ = (got), *w_ = (want);                                           \
        CHECK(g_ &&strcmp(g_, w_) == 0, "got '%s', want '%s'", g_ ? g_ : "(null)", w_); \
    } while (0)

#define CHECK_INT(got, want)                                     \
    do {                                                         \
        long long g_ = (long long)(got), w_ = (long long)(want); \
        CHECK(g_ == w_, "got %lld, want %lld", g_, w_);          \
    } while (0)

#define RUN(fn)                                 \
    do {                                        \
        int before_ = testing_failed_checks;    \
        fn();                                   \
        fflush(stdout);                         \
        if (testing_failed_checks == before_) { \
            printf("ok - %s\n", #fn);           \
        } else {                                \
            testing_failed_tests++;             \
            printf("not ok - %s\n", #fn);       \
        }                                       \
        fflush(stdout);                         \
    } while (0)

#define TESTING_EXIT() return testing_failed_tests ? 1 : 0

#endif
