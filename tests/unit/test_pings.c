/* test_pings.c — core/notify/pings.c's pings_redact: the URL a log shows
 * keeps scheme, host and path, and loses the userinfo, the query and the
 * fragment, which may hold a ping's key.
 */
#include <string.h>

#include "notify/pings.h"
#include "testing.h"

static const char *redacted(const char *url)
{
    static char out[256];

    pings_redact(url, out, sizeof out);
    return out;
}

static void plain_url_is_kept(void)
{
    CHECK_STR(redacted("https://hc-ping.com/0a1b/start"), "https://hc-ping.com/0a1b/start");
}

static void query_and_fragment_are_left_out(void)
{
    CHECK_STR(redacted("https://example.com/ping/fail?key=s3cr3t"),
              "https://example.com/ping/fail…");
    CHECK_STR(redacted("http://example.com#s3cr3t"), "http://example.com…");
}

static void userinfo_is_left_out(void)
{
    CHECK_STR(redacted("http://joe:pw0rd@127.0.0.1:1/lost/start?key=s3cr3t"),
              "http://…@127.0.0.1:1/lost/start…");
}

static void an_at_sign_in_the_path_is_no_userinfo(void)
{
    CHECK_STR(redacted("https://example.com/a@b"), "https://example.com/a@b");
}

static void a_raw_at_sign_in_the_password_is_left_out(void)
{
    CHECK_STR(redacted("https://joe:p@ss@example.com/x"), "https://…@example.com/x");
}

static void a_short_buffer_is_terminated(void)
{
    char out[8];

    pings_redact("https://example.com/long/path", out, sizeof out);
    CHECK_INT(strlen(out), 7);
}

int main(void)
{
    RUN(plain_url_is_kept);
    RUN(query_and_fragment_are_left_out);
    RUN(userinfo_is_left_out);
    RUN(an_at_sign_in_the_path_is_no_userinfo);
    RUN(a_raw_at_sign_in_the_password_is_left_out);
    RUN(a_short_buffer_is_terminated);
    TESTING_EXIT();
}
