/* cmd_dashboard.c — `main dashboard`: the URL that opens the API's
 * dashboard logged in with the local admin token (data/api.token).
 *
 * The token rides in the URL's fragment (#token=…), which a browser never
 * sends to a server, so it ends up in no access log.  An API listening on
 * every address (0.0.0.0, [::]) is reached on the loopback one.  Exit 1
 * when the API is off or the daemon has not made the token yet.  With
 * api.tls_cert set the URL is https://.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_token.h"
#include "cli.h"
#include "config/config.h"

/* The host:port a browser on this machine uses for `listen`. */
static void reachable(const char *listen, char *out, size_t len)
{
    const char *port = strrchr(listen, ':');

    if (strncmp(listen, "0.0.0.0:", 8) == 0)
        snprintf(out, len, "127.0.0.1%s", port);
    else if (strncmp(listen, "[::]:", 5) == 0)
        snprintf(out, len, "[::1]%s", port);
    else
        snprintf(out, len, "%s", listen);
}

static int dashboard_exec(const struct cli_options *opt, int argc, char **argv)
{
    char token[API_TOKEN_MAX], err[API_TOKEN_ERR_MAX], host[128];
    const char *listen = opt->config->api.listen;
    int rc;

    if (argc != 1) {
        cli_bad_arg("dashboard", argv[1], false);
        return cli_command_usage(&cmd_dashboard_entry);
    }
    if (!listen[0]) {
        fprintf(stderr, "dashboard: the HTTP API is off (api.listen is empty)\n");
        return 1;
    }
    rc = api_token_read(opt->root, token, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "dashboard: %s\n", err);
        return 1;
    }
    if (rc == 0) {
        fprintf(stderr,
                "dashboard: no %s yet: the daemon makes it when the API first listens "
                "(start it with `main` or `main --daemon`)\n",
                API_TOKEN_REL);
        return 1;
    }
    reachable(listen, host, sizeof host);
    if (printf("%s://%s/#token=%s\n", opt->config->api.tls_cert[0] ? "https" : "http", host,
               token) < 0 ||
        fflush(stdout) != 0) {
        perror("dashboard: writing to standard output");
        return 1;
    }
    return 0;
}

const struct cli_command cmd_dashboard_entry = {
    .name = "dashboard",
    .usage = "",
    .help = "the URL that logs in to the HTTP API with data/api.token",
    .lenient = false,
    .exec = dashboard_exec,
};
