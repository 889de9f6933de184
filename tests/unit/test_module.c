/* test_module.c — which files under tasks/ are modules, and the names
 * `require` finds them by (core/task/module.c). */
#include "task/module.h"

#include "testing.h"

static void modules_are_lib_and_underscore_files(void)
{
    CHECK(module_is("lib/util.lua"), "lib/util.lua");
    CHECK(module_is("lib/net/http"), "lib/net/http");
    CHECK(module_is("cameras/_common.lua"), "cameras/_common.lua");
    CHECK(module_is("_helpers"), "_helpers");
    CHECK(!module_is("lib.lua"), "tasks/lib.lua is a task");
    CHECK(!module_is("library/x.lua"), "library/ is not lib/");
    CHECK(!module_is("cameras/lib/x.lua"), "only tasks/lib/");
    CHECK(!module_is("cameras/copy_"), "a '_' elsewhere in the name");
}

static void require_names(void)
{
    static const char *const cases[][2] = {
        {"lib/util.lua", "util"},
        {"lib/net/http.lua", "net.http"},
        {"lib/net/init.lua", "net"},
        {"lib/init.lua", "init"},
        {"cameras/_common.lua", "_common"},
        {"_helpers.lua", "_helpers"},
        {"lib/util", "util"},
    };
    char buf[64];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_INT(module_require_name(cases[i][0], buf, sizeof buf), 0);
        CHECK_STR(buf, cases[i][1]);
    }
    CHECK_INT(module_require_name("lib/a_very_long_module_name.lua", buf, 8), -1);
}

int main(void)
{
    RUN(modules_are_lib_and_underscore_files);
    RUN(require_names);
    TESTING_EXIT();
}
