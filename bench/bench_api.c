/* bench_api.c — a small wrk-style load client for the HTTP API, the one
 * bench_api.sh runs: CONNECTIONS keep-alive connections, each sending its
 * next GET as soon as the last answer is in, for SECONDS; prints the
 * requests per second and the median and p99 latency of the answers.
 *
 *   bench_api URL TOKEN CONNECTIONS SECONDS
 *
 * libcurl's multi interface drives every connection from one thread, so
 * the client costs one core at most, as wrk with one thread would.  Any
 * answer but 200, or a transfer that fails, counts as an error.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CONNECTIONS 1024
#define AUTH_MAX 512
#define POLL_MS 100

struct latencies {
    double *ms;
    size_t len, cap;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard(char *data, size_t size, size_t n, void *user)
{
    (void)data;
    (void)user;
    return size * n;
}

static int keep(struct latencies *l, double ms)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        double *grown = realloc(l->ms, cap * sizeof *grown);

        if (!grown)
            return -1;
        l->ms = grown;
        l->cap = cap;
    }
    l->ms[l->len++] = ms;
    return 0;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of sorted values, nearest rank. */
static double quantile(const struct latencies *l, double q)
{
    size_t i = (size_t)(q * (double)l->len);

    return l->len ? l->ms[i < l->len ? i : l->len - 1] : 0.0;
}

static CURL *new_handle(const char *url, struct curl_slist *headers)
{
    CURL *h = curl_easy_init();

    if (h && (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
              curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
              curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK ||
              curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L) != CURLE_OK)) {
        curl_easy_cleanup(h);
        return NULL;
    }
    return h;
}

int main(int argc, char **argv)
{
    struct latencies lat = {0};
    struct curl_slist *headers = NULL;
    CURL *handles[MAX_CONNECTIONS] = {0};
    CURLM *multi = NULL;
    char auth[AUTH_MAX];
    unsigned long errors = 0;
    int n = 0, running = 0, rc = 1;
    double seconds, start, end;

    if (argc != 5 || (n = atoi(argv[3])) < 1 || n > MAX_CONNECTIONS ||
        (seconds = atof(argv[4])) <= 0) {
        fprintf(stderr, "usage: bench_api URL TOKEN CONNECTIONS(1-%d) SECONDS\n",
                MAX_CONNECTIONS);
        return 2;
    }
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", argv[2]);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(multi = curl_multi_init()) ||
        !(headers = curl_slist_append(NULL, auth)) ||
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)n) != CURLM_OK) {
        fprintf(stderr, "bench_api: cannot set up libcurl\n");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if (!(handles[i] = new_handle(argv[1], headers)) ||
            curl_multi_add_handle(multi, handles[i]) != CURLM_OK) {
            fprintf(stderr, "bench_api: cannot make connection %d\n", i);
            goto out;
        }
    }
    start = now_s();
    end = start + seconds;
    do {
        CURLMsg *msg;
        int left;

        /* Perform, collect what it finished (and send those connections'
         * next requests), then wait: polling before collecting would sleep
         * on connections that have nothing left to say. */
        if (curl_multi_perform(multi, &running) != CURLM_OK) {
            fprintf(stderr, "bench_api: the transfers failed\n");
            goto out;
        }
        while ((msg = curl_multi_info_read(multi, &left))) {
            CURL *h = msg->easy_handle;
            long status = 0;
            curl_off_t us = 0;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
            curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &us);
            if (msg->data.result != CURLE_OK || status != 200)
                errors++;
            else if (keep(&lat, (double)us / 1000.0) != 0) {
                fprintf(stderr, "bench_api: out of memory\n");
                goto out;
            }
            /* Again on the same connection (kept alive in the multi's pool). */
            curl_multi_remove_handle(multi, h);
            if (now_s() < end && curl_multi_add_handle(multi, h) != CURLM_OK) {
                fprintf(stderr, "bench_api: cannot send the next request\n");
                goto out;
            }
        }
        if (curl_multi_poll(multi, NULL, 0, POLL_MS, NULL) != CURLM_OK) {
            fprintf(stderr, "bench_api: waiting for the transfers failed\n");
            goto out;
        }
    } while (now_s() < end || running > 0);
    seconds = now_s() - start;
    qsort(lat.ms, lat.len, sizeof *lat.ms, by_value);
    printf("%zu requests in %.1f s: %.0f req/s, median %.2f ms, p99 %.2f ms, %lu errors\n",
           lat.len, seconds, (double)lat.len / seconds, quantile(&lat, 0.5),
           quantile(&lat, 0.99), errors);
    rc = errors ? 1 : 0;
out:
    for (int i = 0; i < n && i < MAX_CONNECTIONS; i++) {
        if (handles[i]) {
            curl_multi_remove_handle(multi, handles[i]);
            curl_easy_cleanup(handles[i]);
        }
    }
    curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
    curl_global_cleanup();
    free(lat.ms);
    return rc;
}
