/* notifier_curl.c — what every libcurl transfer of a channel shares: the
 * options it gets and the way its failure is told (notifier_http.c,
 * notifier_email.c).
 */
#include "notifier_internal.h"

#include <stdio.h>

/* Channels only look at the status of a reply, never at its body. */
static size_t discard(char *data, size_t size, size_t nmemb, void *ud)
{
    (void)data;
    (void)ud;
    return size * nmemb;
}

CURLcode notifier_curl_defaults(CURL *c, char *errbuf)
{
    CURLcode rc;

    errbuf[0] = '\0';
    if ((rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)NOTIFIER_TIMEOUT_S)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)NOTIFIER_CONNECT_TIMEOUT_S)) !=
            CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_USERAGENT, NOTIFIER_USER_AGENT)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard)) != CURLE_OK)
        return rc;
    return CURLE_OK;
}

int notifier_curl_perform(CURL *c, const char *errbuf, char *err, size_t errlen)
{
    CURLcode rc = curl_easy_perform(c);

    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        return -1;
    }
    return 0;
}
