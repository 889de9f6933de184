/* test_namemap.c — namemap: puts, replaces, removes, and many keys across
 * the growths, each still found with its own value. */
#include <stdio.h>

#include "lib/namemap.h"
#include "testing.h"

#define MANY 20000 /* past several doublings of the buckets */

static void an_empty_map_finds_nothing(void)
{
    struct namemap m = {0};

    CHECK(namemap_get(&m, "x") == NULL, "found x in an empty map");
    namemap_remove(&m, "x");
    CHECK_INT(m.count, 0);
    namemap_free(&m);
}

static void put_replaces_and_remove_forgets(void)
{
    struct namemap m = {0};
    int a = 1, b = 2;

    CHECK_INT(namemap_put(&m, "cameras/copy", &a), 0);
    CHECK(namemap_get(&m, "cameras/copy") == &a, "not the value put");
    CHECK_INT(namemap_put(&m, "cameras/copy", &b), 0);
    CHECK(namemap_get(&m, "cameras/copy") == &b, "not replaced");
    CHECK_INT(m.count, 1);
    CHECK(namemap_get(&m, "cameras") == NULL, "a prefix found");
    namemap_remove(&m, "cameras/copy");
    CHECK(namemap_get(&m, "cameras/copy") == NULL, "still there after remove");
    CHECK_INT(m.count, 0);
    namemap_free(&m);
}

static void many_keys_keep_their_values(void)
{
    static int values[MANY];
    struct namemap m = {0};
    char key[32];
    int wrong = 0;

    for (int i = 0; i < MANY; i++) {
        snprintf(key, sizeof key, "t%d", i);
        CHECK_INT(namemap_put(&m, key, &values[i]), 0);
    }
    CHECK_INT(m.count, MANY);
    for (int i = 0; i < MANY; i += 2) {
        snprintf(key, sizeof key, "t%d", i);
        namemap_remove(&m, key);
    }
    for (int i = 0; i < MANY; i++) {
        snprintf(key, sizeof key, "t%d", i);
        wrong += namemap_get(&m, key) != (i % 2 ? &values[i] : NULL);
    }
    CHECK_INT(wrong, 0);
    CHECK_INT(m.count, MANY / 2);
    namemap_free(&m);
    CHECK(namemap_get(&m, "t1") == NULL, "found after free");
}

int main(void)
{
    RUN(an_empty_map_finds_nothing);
    RUN(put_replaces_and_remove_forgets);
    RUN(many_keys_keep_their_values);
    TESTING_EXIT();
}
