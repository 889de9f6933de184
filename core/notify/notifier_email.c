/* notifier_email.c — the email channel: one RFC 5322 message over SMTP.
 *
 *   mail: { type: email, url: "smtp://mail.example.com:587",
 *           from: "Scheduler <sched@example.com>",
 *           to: [ops@example.com, me@example.com],   # or one string
 *           username: sched, password: … }           # optional
 *
 * smtps:// is TLS from the first byte; smtp:// upgrades with STARTTLS when
 * the server offers it, and insists on it when there is a password to send.
 * libcurl does the SMTP dialogue and the dot-stuffing; we write the message.
 */
#include "notifier_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/yamldoc.h"

#define PROTOCOLS "smtp,smtps"
#define CRLF "\r\n"
#define DEFAULT_DOMAIN "localhost"
/* Raw bytes per RFC 2047 encoded word: 60 base64 characters, which keeps
 * "=?UTF-8?B?…?=" under the 75-character limit. */
#define ENCODED_WORD_BYTES 45

static const char base64_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char *const day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* The message being uploaded, for curl's read callback. */
struct upload {
    const char *data;
    size_t len, pos;
};

static size_t feed(char *buf, size_t size, size_t nmemb, void *ud)
{
    struct upload *u = ud;
    size_t n = size * nmemb;

    if (n > u->len - u->pos)
        n = u->len - u->pos;
    memcpy(buf, u->data + u->pos, n);
    u->pos += n;
    return n;
}

/* "Name <a@b>" or "a@b" -> "<a@b>", the form MAIL FROM and RCPT TO take.
 * Malloc'd; NULL on OOM. */
static char *envelope_address(const char *addr)
{
    const char *lt = strchr(addr, '<');
    const char *gt = lt ? strchr(lt, '>') : NULL;
    char *out = NULL;

    if (lt && gt)
        return strndup(lt, (size_t)(gt - lt + 1));
    addr += strspn(addr, " \t");
    if (asprintf(&out, "<%.*s>", (int)strcspn(addr, " \t\r\n"), addr) < 0)
        return NULL;
    return out;
}

/* The domain of the From address, for the Message-ID. */
static void from_domain(const char *from, char *buf, size_t len)
{
    const char *at = strrchr(from, '@');

    if (!at || !at[1]) {
        snprintf(buf, len, "%s", DEFAULT_DOMAIN);
        return;
    }
    snprintf(buf, len, "%.*s", (int)strcspn(at + 1, "> \t\r\n"), at + 1);
}

static void put_base64(FILE *f, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned long v = (unsigned long)p[i] << 16;

        if (i + 1 < n)
            v |= (unsigned long)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        fputc(base64_digits[v >> 18 & 63], f);
        fputc(base64_digits[v >> 12 & 63], f);
        fputc(i + 1 < n ? base64_digits[v >> 6 & 63] : '=', f);
        fputc(i + 2 < n ? base64_digits[v & 63] : '=', f);
    }
}

/* Subject: the title as is when it is ASCII, else RFC 2047 encoded words
 * of whole UTF-8 characters, one per folded line. */
static void put_subject(FILE *f, const char *title)
{
    size_t left = strlen(title);
    bool ascii = true;

    for (const char *p = title; *p; p++)
        ascii &= (unsigned char)*p < 0x80;
    if (ascii) {
        fprintf(f, "Subject: %s" CRLF, title);
        return;
    }
    fputs("Subject:", f);
    for (const char *p = title; left > 0;) {
        size_t n = left < ENCODED_WORD_BYTES ? left : ENCODED_WORD_BYTES;

        while (n < left && n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
            n--;    /* do not cut a character in two */
        if (n == 0) /* not UTF-8 at all: cut anywhere */
            n = left < ENCODED_WORD_BYTES ? left : ENCODED_WORD_BYTES;
        fputs(p == title ? " =?UTF-8?B?" : CRLF " =?UTF-8?B?", f);
        put_base64(f, (const unsigned char *)p, n);
        fputs("?=", f);
        p += n;
        left -= n;
    }
    fputs(CRLF, f);
}

/* The message body with every line ending made CRLF. */
static void put_body(FILE *f, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\n' && (p == text || p[-1] != '\r'))
            fputc('\r', f);
        fputc(*p, f);
    }
    fputs(CRLF, f);
}

/* Importance for mail clients; indexed by enum notifier_urgency. */
static const char *const importance[] = {
    [NOTIFIER_LOW] = "low",
    [NOTIFIER_NORMAL] = "normal",
    [NOTIFIER_CRITICAL] = "high",
};

/* The whole message, malloc'd in *out; `title` and `from`, `to` are
 * already one line each.  -1 when writing to memory failed. */
static int compose(const struct notification *n, const char *title, const char *from,
                   const char *to, char **out, size_t *len)
{
    char domain[256];
    struct timespec now;
    struct tm tm;
    int failed;
    FILE *f = open_memstream(out, len);

    if (!f)
        return -1;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    from_domain(from, domain, sizeof domain);
    fprintf(f, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000" CRLF, day_names[tm.tm_wday],
            tm.tm_mday, month_names[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
            tm.tm_sec);
    fprintf(f, "From: %s" CRLF "To: %s" CRLF, from, to);
    put_subject(f, title);
    fprintf(f, "Message-ID: <%lld.%09ld.%ld@%s>" CRLF, (long long)now.tv_sec, now.tv_nsec,
            (long)getpid(), domain);
    fprintf(f, "Importance: %s" CRLF, importance[n->urgency]);
    fputs("MIME-Version: 1.0" CRLF "Content-Type: text/plain; charset=utf-8" CRLF
          "Content-Transfer-Encoding: 8bit" CRLF CRLF,
          f);
    put_body(f, n->message ? n->message : "");
    failed = ferror(f);
    if (fclose(f) != 0 || failed) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* Fills the envelope's recipient list and the To header ("a, b") from
 * `to`, a string or a list of them.  -1 with a message in err. */
static int recipients(const struct yamldoc_node *to, struct curl_slist **rcpt, char **header,
                      char *err, size_t errlen)
{
    size_t count = to && to->kind == YAMLDOC_SEQUENCE ? to->count : 1;
    size_t hlen = 0;
    FILE *f;

    if (!to || (to->kind == YAMLDOC_MAPPING) ||
        (to->kind == YAMLDOC_SEQUENCE && to->count == 0)) {
        snprintf(err, errlen, "'to' must be an address or a list of them");
        return -1;
    }
    if (!(f = open_memstream(header, &hlen))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        const struct yamldoc_node *item = to->kind == YAMLDOC_SEQUENCE ? to->items[i] : to;
        char *addr, *line;
        struct curl_slist *grown = NULL;

        if (item->kind != YAMLDOC_SCALAR) {
            snprintf(err, errlen, "'to' must be an address or a list of them");
            fclose(f); /* already failing */
            return -1;
        }
        if ((addr = envelope_address(item->text)))
            grown = curl_slist_append(*rcpt, addr);
        free(addr);
        line = notifier_header_text(item->text);
        if (line)
            fprintf(f, "%s%s", i ? ", " : "", line);
        free(line);
        if (!grown || !line) {
            snprintf(err, errlen, "out of memory");
            fclose(f); /* already failing */
            return -1;
        }
        *rcpt = grown;
    }
    if (fclose(f) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* Sets up the SMTP transfer of `u` on `c`. */
static CURLcode configure(CURL *c, const struct config_channel *ch, const char *mail_from,
                          struct curl_slist *rcpt, struct upload *u, char *errbuf)
{
    const char *user = config_channel_get(ch, "username");
    const char *password = config_channel_get(ch, "password");
    /* A password never travels in the clear: with one, STARTTLS is a must. */
    long tls = user ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY;
    CURLcode rc;

    if ((rc = notifier_curl_defaults(c, errbuf)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_URL, config_channel_get(ch, "url"))) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, PROTOCOLS)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_USE_SSL, tls)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_READFUNCTION, feed)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_READDATA, u)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_UPLOAD, 1L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->len)) != CURLE_OK)
        return rc;
    if (user && (rc = curl_easy_setopt(c, CURLOPT_USERNAME, user)) != CURLE_OK)
        return rc;
    if (password && (rc = curl_easy_setopt(c, CURLOPT_PASSWORD, password)) != CURLE_OK)
        return rc;
    return CURLE_OK;
}

int notifier_email(const struct config_channel *ch, const struct notification *n, char *err,
                   size_t errlen)
{
    const char *from_text = config_channel_get(ch, "from");
    char *from = NULL, *mail_from = NULL, *title = NULL, *to = NULL;
    char *message = NULL, errbuf[CURL_ERROR_SIZE];
    struct curl_slist *rcpt = NULL;
    struct upload u = {0};
    CURL *c = NULL;
    int rc = -1;

    if (!from_text || !config_channel_get(ch, "url")) {
        snprintf(err, errlen, "'url' and 'from' must be strings");
        goto fail;
    }
    if (recipients(yamldoc_get(ch->settings, "to"), &rcpt, &to, err, errlen) != 0)
        goto fail;
    if (!(from = notifier_header_text(from_text)) ||
        !(mail_from = envelope_address(from_text)) ||
        !(title = notifier_header_text(n->title ? n->title : "")) ||
        compose(n, title, from, to, &message, &u.len) != 0 || !(c = curl_easy_init())) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    u.data = message;
    if (configure(c, ch, mail_from, rcpt, &u, errbuf) != CURLE_OK) {
        snprintf(err, errlen, "cannot set up the transfer");
        goto fail;
    }
    rc = notifier_curl_perform(c, errbuf, err, errlen);
fail:
    curl_easy_cleanup(c);
    curl_slist_free_all(rcpt);
    free(message);
    free(title);
    free(mail_from);
    free(from);
    free(to);
    return rc;
}
