/* hostport.c — "HOST:PORT" and "[V6]:PORT" to a socket address (hostport.h). */
#include "hostport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_MAX 64 /* longer than any numeric IPv6 address */
#define PORT_MAX 65535

static const char expected[] = "expected HOST:PORT with a numeric address "
                               "(127.0.0.1:8421, [::1]:8421)";

static int parse_port(const char *text, int *port)
{
    char *end;
    long n;

    if (*text < '0' || *text > '9')
        return -1;
    errno = 0;
    n = strtol(text, &end, 10);
    if (errno || *end || n < 1 || n > PORT_MAX)
        return -1;
    *port = (int)n;
    return 0;
}

int hostport_parse(const char *text, struct sockaddr_storage *addr, socklen_t *len, char *err,
                   size_t errlen)
{
    char host[HOST_MAX];
    const char *colon, *host_start = text;
    size_t host_len;
    int port;

    memset(addr, 0, sizeof *addr);
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':') {
            snprintf(err, errlen, "%s, got '%s'", expected, text);
            return -1;
        }
        host_start = text + 1;
        host_len = (size_t)(close - host_start);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon || memchr(text, ':', (size_t)(colon - text))) {
            snprintf(err, errlen, "%s, got '%s'", expected, text);
            return -1;
        }
        host_len = (size_t)(colon - text);
    }
    if (host_len == 0 || host_len >= sizeof host || parse_port(colon + 1, &port) != 0) {
        snprintf(err, errlen, "%s, got '%s'", expected, text);
        return -1;
    }
    memcpy(host, host_start, host_len);
    host[host_len] = '\0';
    if (text[0] == '[') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
            *len = sizeof *a6;
            return 0;
        }
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
            *len = sizeof *a4;
            return 0;
        }
    }
    snprintf(err, errlen, "%s, got '%s' ('%s' is not a numeric address)", expected, text, host);
    return -1;
}
