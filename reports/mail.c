/*
 * reports/mail.c — report files by SMTP (see mail.h).
 */
#include "reports/mail.h"

#include "common/config.h"
#include "common/log.h"
#include "common/retry.h"
#include "common/sbuf.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_RCPT 64

/* ------------------------------------------------------------ sending */

bool mail_host_is_loopback(const char *host)
{
    if (!host)
        return false;
    if (!strcasecmp(host, "localhost") || !strcmp(host, "[::1]") || !strcmp(host, "::1"))
        return true;
    /* 127.0.0.0/8, written as a dotted quad. */
    unsigned a, b, c, d;
    char tail;
    return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 && c < 256 &&
           d < 256;
}

struct send_state {
    char reply[256];  /* last 4xx/5xx reply line from the server */
    bool data_started; /* the server said 354: the message body is being, or was, sent */
};

/* Keeps the server's last reply line; never looks at what we send (it holds AUTH). */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *userp)
{
    struct send_state *st = userp;
    (void)h;
    if (type == CURLINFO_HEADER_IN && size >= 3 && !memcmp(data, "354", 3))
        st->data_started = true;
    /* Only error replies: the last line seen is otherwise QUIT's "221 Bye". */
    if (type == CURLINFO_HEADER_IN && size > 0 && (data[0] == '4' || data[0] == '5')) {
        size_t n = size < sizeof st->reply - 1 ? size : sizeof st->reply - 1;
        memcpy(st->reply, data, n);
        while (n > 0 && (st->reply[n - 1] == '\n' || st->reply[n - 1] == '\r'))
            n--;
        st->reply[n] = '\0';
    }
    return 0;
}

static const char *content_type_of(const char *path)
{
    size_t n = strlen(path);
    if (n > 5 && !strcmp(path + n - 5, ".xlsx"))
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    if (n > 4 && !strcmp(path + n - 4, ".csv"))
        return "text/csv; charset=utf-8";
    return "application/octet-stream";
}

/* Splits "a@x, b@y" into <a@x>, <b@y> for the envelope and the To header. */
static int parse_rcpts(const char *to, struct curl_slist **rcpt, struct sbuf *hdr, struct xerr *err)
{
    char *copy = xstrdup(to), *save = NULL;
    int n = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char addr[320];
        while (*t == ' ')
            t++;
        size_t l = strlen(t);
        while (l > 0 && t[l - 1] == ' ')
            t[--l] = '\0';
        if (!l)
            continue;
        if (!strchr(t, '@') || strpbrk(t, "<>\r\n\" ") || l > 254) {
            /* t points into copy: format the message before copy goes. */
            xerr_set(err, XETL_EX_USAGE, "mail: bad recipient address '%.80s'", t);
            free(copy);
            return XETL_EX_USAGE;
        }
        snprintf(addr, sizeof addr, "<%s>", t);
        *rcpt = curl_slist_append(*rcpt, addr);
        sbuf_addf(hdr, "%s%s", n ? ", " : "", t);
        n++;
    }
    free(copy);
    if (n == 0)
        return xerr_set(err, XETL_EX_USAGE, "mail: no recipient (--to ADDR or mail_to)");
    if (n > MAX_RCPT)
        return xerr_set(err, XETL_EX_USAGE, "mail: more than %d recipients", MAX_RCPT);
    return 0;
}

/* Whether a failed attempt may succeed later: common/retry's policy, curl's result as its fault. */
static bool temporary(CURLcode cc, long smtp_code)
{
    enum retry_fault fault = RETRY_FAULT_PERMANENT;
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        fault = RETRY_FAULT_TRANSIENT;
        break;
    default:
        break;
    }
    return retry_retryable(RETRY_SMTP, fault, smtp_code);
}

/* One send: what the settings say, the message, the curl handle, and everything to free. */
struct mail_job {
    const char *url, *from, *user;
    char *password, *subject, *body, *host, *scheme;
    struct curl_slist *rcpt, *headers;
    struct sbuf to_hdr;
    struct send_state st;
    char errbuf[CURL_ERROR_SIZE];
    CURL *h;
    curl_mime *mime;
    CURLU *u;
    bool insecure, loopback;
    long timeout;
    struct retry policy;
};

/* Recipients, files, addresses, the retry and TLS policy: every check before a connection. */
static int job_settings(struct mail_job *j, const struct config *cfg, const char *to, char *const *files,
                        int nfiles, struct xerr *err)
{
    long retries = 3, backoff = 2000;
    int rc;
    if (!to || !*to)
        to = config_get(cfg, "mail_to");
    if ((rc = parse_rcpts(to ? to : "", &j->rcpt, &j->to_hdr, err)))
        return rc;
    if (nfiles <= 0)
        return xerr_set(err, XETL_EX_USAGE, "mail: no file to send");
    for (int i = 0; i < nfiles; i++) {
        FILE *fp = fopen(files[i], "rb");
        if (!fp)
            return xerr_set(err, XETL_EX_NOINPUT, "mail: cannot open '%s': %s", files[i], strerror(errno));
        fclose(fp);
    }
    if (!j->url || !*j->url)
        return xerr_set(err, XETL_EX_CONFIG, "mail: smtp_url is not set (XETL_SMTP_URL)");
    if (!j->from || !*j->from || !strchr(j->from, '@') || strpbrk(j->from, "<>\r\n\" "))
        return xerr_set(err, XETL_EX_CONFIG, "mail: mail_from is not a plain address (XETL_MAIL_FROM)");
    if ((rc = config_get_bool(cfg, "smtp_insecure", &j->insecure, err)) ||
        (rc = config_get_long(cfg, "mail.retries", &retries, err)) ||
        (rc = config_get_long(cfg, "mail.backoff_ms", &backoff, err)) ||
        (rc = config_get_long(cfg, "mail.timeout", &j->timeout, err)))
        return rc;
    retry_init(&j->policy, retries, backoff, ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL));

    /* TLS policy, decided on the parsed URL, never on a substring. */
    j->u = curl_url();
    if (!j->u || curl_url_set(j->u, CURLUPART_URL, j->url, 0) != CURLUE_OK ||
        curl_url_get(j->u, CURLUPART_SCHEME, &j->scheme, 0) != CURLUE_OK ||
        curl_url_get(j->u, CURLUPART_HOST, &j->host, 0) != CURLUE_OK)
        return xerr_set(err, XETL_EX_CONFIG, "mail: smtp_url is not a URL");
    j->loopback = mail_host_is_loopback(j->host);
    if (strcasecmp(j->scheme, "smtps") && strcasecmp(j->scheme, "smtp"))
        return xerr_set(err, XETL_EX_CONFIG, "mail: smtp_url scheme '%s' is not smtp or smtps", j->scheme);
    return config_get_secret(cfg, "smtp_password", &j->password, err);
}

/* The headers, the text part and one attachment a file. */
static int job_message(struct mail_job *j, char *const *files, int nfiles, struct xerr *err)
{
    struct sbuf line = SBUF_INIT;
    char date[64];
    /* Transport metadata, not a result: the real clock is right here. */
    time_t now = time(NULL);
    struct tm tm;

    mail_compose(files, nfiles, &j->subject, &j->body);
    if (!(j->h = curl_easy_init()))
        return xerr_set(err, XETL_EX_SOFTWARE, "mail: cannot initialise libcurl");
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "Date: %a, %d %b %Y %H:%M:%S +0000", &tm);
    j->headers = curl_slist_append(j->headers, date);
    sbuf_init(&line);
    sbuf_addf(&line, "From: %s", j->from);
    j->headers = curl_slist_append(j->headers, line.buf);
    sbuf_reset(&line);
    sbuf_addf(&line, "To: %s", j->to_hdr.buf);
    j->headers = curl_slist_append(j->headers, line.buf);
    sbuf_reset(&line);
    sbuf_addf(&line, "Subject: %s", j->subject);
    j->headers = curl_slist_append(j->headers, line.buf);
    j->headers = curl_slist_append(j->headers, "MIME-Version: 1.0");
    sbuf_release(&line);

    j->mime = curl_mime_init(j->h);
    curl_mimepart *part = curl_mime_addpart(j->mime);
    curl_mime_data(part, j->body, CURL_ZERO_TERMINATED);
    curl_mime_type(part, "text/plain; charset=utf-8");
    curl_mime_encoder(part, "quoted-printable");
    for (int i = 0; i < nfiles; i++) {
        part = curl_mime_addpart(j->mime);
        if (curl_mime_filedata(part, files[i]) != CURLE_OK)
            return xerr_set(err, XETL_EX_NOINPUT, "mail: cannot attach '%s'", files[i]);
        curl_mime_type(part, content_type_of(files[i]));
        curl_mime_encoder(part, "base64");
    }
    return 0;
}

static void job_options(struct mail_job *j, const struct config *cfg)
{
    CURL *h = j->h;
    curl_easy_setopt(h, CURLOPT_URL, j->url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, j->from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, j->rcpt);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, j->headers);
    curl_easy_setopt(h, CURLOPT_MIMEPOST, j->mime);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, j->errbuf);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, &j->st);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L); /* feeds on_debug only; nothing is printed */
    /*
     * One attempt lasts at most mail.timeout seconds.  A server that stalls
     * after the final dot costs one reply wait, then curl's QUIT waits once
     * more: each wait is half of mail.timeout, so that stall, never retried,
     * holds the nightly's lock no longer than mail.timeout (docs/operations.md).
     */
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, j->timeout < 30 ? j->timeout : 30L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, j->timeout);
    curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, j->timeout > 1 ? j->timeout / 2 : 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (!strcasecmp(j->scheme, "smtp"))
        curl_easy_setopt(h, CURLOPT_USE_SSL,
                         (long)(j->loopback || j->insecure ? CURLUSESSL_TRY : CURLUSESSL_ALL));
    if (config_get(cfg, "ca_bundle"))
        curl_easy_setopt(h, CURLOPT_CAINFO, config_get(cfg, "ca_bundle"));
    if (j->user && *j->user)
        curl_easy_setopt(h, CURLOPT_USERNAME, j->user);
    if (j->password)
        curl_easy_setopt(h, CURLOPT_PASSWORD, j->password);
}

/* Attempts until sent, refused, out of retries, or uncertain (never sent twice). */
static int job_send(struct mail_job *j, int nfiles, struct xerr *err)
{
    for (long attempt = 0;; attempt++) {
        long code = 0;
        CURLcode cc;
        j->errbuf[0] = '\0';
        j->st.reply[0] = '\0';
        j->st.data_started = false;
        cc = curl_easy_perform(j->h);
        if (cc == CURLE_OK) {
            log_info("mail: sent %d file%s to %s via '%s'", nfiles, nfiles == 1 ? "" : "s", j->to_hdr.buf,
                     j->host);
            return 0;
        }
        curl_easy_getinfo(j->h, CURLINFO_RESPONSE_CODE, &code);
        const char *why = j->errbuf[0] ? j->errbuf : curl_easy_strerror(cc);
        /*
         * The body went out (354) and no reply to it came (a drop or a stall
         * after the data, not a send error during it): the server may have
         * taken the message.  Sending it again could deliver it twice, so it
         * is not retried, and the error says delivery is uncertain.
         */
        if (j->st.data_started && (code == 0 || code == 354) && cc != CURLE_SEND_ERROR)
            return xerr_set(err, XETL_EX_UNAVAILABLE,
                            "mail: delivery to %s is uncertain: smtp server '%s' gave no reply after the message "
                            "was sent (%s); not retried so it is never delivered twice, check the mailbox",
                            j->to_hdr.buf, j->host, why);
        if (retry_allowed(&j->policy, (int)attempt + 1) && temporary(cc, code)) {
            long delay = retry_delay_ms(&j->policy, (int)attempt + 1);
            log_warn("mail: attempt %ld failed (%s), retrying in %ld ms", attempt + 1,
                     j->st.reply[0] ? j->st.reply : why, delay);
            retry_sleep_ms(delay);
            continue;
        }
        return xerr_set(err, XETL_EX_UNAVAILABLE, "mail: smtp server '%s' %s after %ld attempt%s: %s%s%s", j->host,
                        temporary(cc, code) ? "still failing" : "refused the message", attempt + 1,
                        attempt ? "s" : "", j->st.reply[0] ? j->st.reply : "no reply",
                        j->errbuf[0] ? " - " : "", why);
    }
}

static void job_release(struct mail_job *j)
{
    if (j->h)
        curl_easy_cleanup(j->h);
    curl_mime_free(j->mime);
    curl_slist_free_all(j->rcpt);
    curl_slist_free_all(j->headers);
    curl_free(j->host);
    curl_free(j->scheme);
    curl_url_cleanup(j->u);
    if (j->password) {
        memset(j->password, 0, strlen(j->password));
        free(j->password);
    }
    free(j->subject);
    free(j->body);
    sbuf_release(&j->to_hdr);
}

int mail_send_files(const struct config *cfg, const char *to, char *const *files, int nfiles,
                    struct xerr *err)
{
    struct mail_job j;
    int rc;

    memset(&j, 0, sizeof j);
    j.url = config_get(cfg, "smtp_url");
    j.from = config_get(cfg, "mail_from");
    j.user = config_get(cfg, "smtp_user");
    j.timeout = 120;
    sbuf_init(&j.to_hdr);
    if (!(rc = job_settings(&j, cfg, to, files, nfiles, err)) && !(rc = job_message(&j, files, nfiles, err))) {
        job_options(&j, cfg);
        rc = job_send(&j, nfiles, err);
    }
    job_release(&j);
    return rc;
}

int mail_check_rcpts(const char *to, struct sbuf *hdr, struct xerr *err)
{
    struct curl_slist *rcpt = NULL;
    int rc = parse_rcpts(to, &rcpt, hdr, err);
    curl_slist_free_all(rcpt);
    return rc;
}
