/*
 * reports/mail.c — report files by SMTP (see mail.h).
 */
#include "reports/mail.h"

#include "common/config.h"
#include "common/log.h"
#include "common/retry.h"
#include "common/sbuf.h"

#include <csv.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_RCPT 64

/* ------------------------------------------------------------ composing */

/* What one report contributes to the subject and body. */
struct report_ref {
    char base[160];      /* xetl-roi-H-FROM_TO */
    char dir[4096];
    char handle[64];
    char from[11], to[11];
};

/* Parses ".../xetl-roi-H-YYYY-MM-DD_YYYY-MM-DD[-x].{csv,xlsx}"; false when not a report name. */
static bool parse_report_name(const char *path, struct report_ref *r)
{
    const char *name = strrchr(path, '/');
    const char *p, *us;
    size_t hl;

    name = name ? name + 1 : path;
    if (strncmp(name, "xetl-roi-", 9))
        return false;
    p = name + 9;
    /* Handles are [A-Za-z0-9_]: the first '-' ends it. */
    hl = strcspn(p, "-");
    if (hl == 0 || hl >= sizeof r->handle || p[hl] != '-')
        return false;
    us = p + hl + 1;
    if (strlen(us) < 21 || us[10] != '_')
        return false;
    memcpy(r->handle, p, hl);
    r->handle[hl] = '\0';
    memcpy(r->from, us, 10);
    r->from[10] = '\0';
    memcpy(r->to, us + 11, 10);
    r->to[10] = '\0';
    snprintf(r->base, sizeof r->base, "%.*s", (int)(us + 21 - name), name);
    snprintf(r->dir, sizeof r->dir, "%.*s", (int)(name - path), path);
    return true;
}

/* A summary or roll-up CSV read back: the rows the mail quotes. */
#define CSV_CELLS 16
struct csv_rows {
    char *cell[CSV_CELLS];
    int col;
    int nrow;
    struct sbuf out;    /* the body lines */
    char followers[64]; /* headline number, "" when unknown */
    int accounts;       /* roll-up: how many accounts */
};

static void fmt_value(const char *unit, const char *v, char *out, size_t n)
{
    double x;
    char *end;
    if (!v || !*v) {
        snprintf(out, n, "no data");
        return;
    }
    x = strtod(v, &end);
    if (*end) {
        snprintf(out, n, "%s", v);
    } else if (unit && !strcmp(unit, "ratio")) {
        snprintf(out, n, "%.2f%%", x * 100.0);
    } else if (unit && !strcmp(unit, "usd")) {
        snprintf(out, n, "$%.2f", x);
    } else {
        snprintf(out, n, "%s", v);
    }
}

static void on_field(void *s, size_t len, void *data)
{
    struct csv_rows *c = data;
    if (c->col < CSV_CELLS) {
        free(c->cell[c->col]);
        c->cell[c->col] = xmalloc(len + 1);
        memcpy(c->cell[c->col], s, len);
        c->cell[c->col][len] = '\0';
    }
    c->col++;
}

static void on_row(int ch, void *data)
{
    struct csv_rows *c = data;
    (void)ch;
    /* Columns: section,rank,item,basis,unit,current,previous,change,change_pct,posts,fpp,note */
    if (c->nrow > 0 && c->col >= 12 && c->cell[0] && !strcmp(c->cell[0], "headline")) {
        char cur[64], prev[64];
        fmt_value(c->cell[4], c->cell[5], cur, sizeof cur);
        fmt_value(c->cell[4], c->cell[6], prev, sizeof prev);
        sbuf_addf(&c->out, "  %-30s %14s   (previous period %s)\n", c->cell[2], cur, prev);
        if (!strcmp(c->cell[2], "followers gained") && c->cell[5][0])
            snprintf(c->followers, sizeof c->followers, "%s", c->cell[5]);
    }
    c->nrow++;
    c->col = 0;
}

/* Appends the headline of one report to body; returns the followers figure or "". */
static void read_summary(const struct report_ref *r, struct sbuf *body, char *followers, size_t n)
{
    char path[4400], buf[4096];
    struct csv_parser p;
    struct csv_rows rows;
    FILE *fp;
    size_t got;

    followers[0] = '\0';
    snprintf(path, sizeof path, "%s%s-summary.csv", r->dir, r->base);
    if (!(fp = fopen(path, "rb"))) {
        sbuf_addf(body, "  (no summary: %s-summary.csv not found)\n", r->base);
        return;
    }
    memset(&rows, 0, sizeof rows);
    sbuf_init(&rows.out);
    if (csv_init(&p, CSV_APPEND_NULL) == 0) {
        while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
            if (csv_parse(&p, buf, got, on_field, on_row, &rows) != got)
                break;
        csv_fini(&p, on_field, on_row, &rows);
        csv_free(&p);
    }
    fclose(fp);
    sbuf_adds(body, rows.out.buf);
    snprintf(followers, n, "%s", rows.followers);
    sbuf_release(&rows.out);
    for (int i = 0; i < CSV_CELLS; i++)
        free(rows.cell[i]);
}

/* The roll-up CSV: the agency row and the leaderboard, for the subject and body. */
static void on_rollup_row(int ch, void *data)
{
    struct csv_rows *c = data;
    (void)ch;
    /* Columns: section,rank,name,accounts,posts,followers_gained,…,cost_usd(8),cost_per_follower(9),roi(10),…,trend(14) */
    if (c->nrow > 0 && c->col >= 15 && c->cell[0] &&
        (!strcmp(c->cell[0], "leaderboard") || !strcmp(c->cell[0], "agency"))) {
        char cost[64], roi[64];
        bool agency = !strcmp(c->cell[0], "agency");
        fmt_value("usd", c->cell[8], cost, sizeof cost);
        fmt_value("ratio", c->cell[10], roi, sizeof roi);
        sbuf_addf(&c->out, "  %-2s %-18s %8s followers  cost %-10s ROI %-10s %s\n", agency ? "" : c->cell[1],
                  agency ? "all accounts" : c->cell[2], c->cell[5][0] ? c->cell[5] : "no data", cost, roi,
                  c->cell[14]);
        if (agency) {
            snprintf(c->followers, sizeof c->followers, "%s", c->cell[5]);
            c->accounts = atoi(c->cell[3]);
        }
    }
    c->nrow++;
    c->col = 0;
}

/* A roll-up among the files: "xetl-rollup-FROM_TO.csv|.xlsx" — its body section and subject. */
static bool read_rollup(char *const *files, int nfiles, struct sbuf *subj, struct sbuf *text)
{
    for (int i = 0; i < nfiles; i++) {
        const char *name = strrchr(files[i], '/');
        name = name ? name + 1 : files[i];
        if (strncmp(name, "xetl-rollup-", 12) || strlen(name) < 33 || name[22] != '_')
            continue;
        char path[4400], buf[4096], from[11], to[11];
        struct csv_parser p;
        struct csv_rows rows;
        size_t got;
        FILE *fp;
        memcpy(from, name + 12, 10);
        from[10] = '\0';
        memcpy(to, name + 23, 10);
        to[10] = '\0';
        snprintf(path, sizeof path, "%.*sxetl-rollup-%s_%s.csv", (int)(name - files[i]), files[i], from, to);
        memset(&rows, 0, sizeof rows);
        sbuf_init(&rows.out);
        if ((fp = fopen(path, "rb"))) {
            if (csv_init(&p, CSV_APPEND_NULL) == 0) {
                while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
                    if (csv_parse(&p, buf, got, on_field, on_rollup_row, &rows) != got)
                        break;
                csv_fini(&p, on_field, on_rollup_row, &rows);
                csv_free(&p);
            }
            fclose(fp);
        }
        sbuf_addf(subj, "xetl ROI roll-up %s to %s: %s%s followers across %d account%s", from, to,
                  rows.followers[0] && rows.followers[0] != '-' ? "+" : "",
                  rows.followers[0] ? rows.followers : "no data on", rows.accounts, rows.accounts == 1 ? "" : "s");
        sbuf_addf(text, "Agency roll-up, %s to %s (most followers gained first):\n%s\n", from, to,
                  rows.out.buf ? rows.out.buf : "  (no roll-up CSV beside the workbook)\n");
        sbuf_release(&rows.out);
        for (int k = 0; k < CSV_CELLS; k++)
            free(rows.cell[k]);
        return true;
    }
    return false;
}

void mail_compose(char *const *files, int nfiles, char **subject, char **body)
{
    struct sbuf subj, text;
    struct report_ref seen[16];
    int nseen = 0;

    sbuf_init(&subj);
    sbuf_init(&text);
    /* A roll-up leads: its subject names the agency's total; the accounts follow in the body. */
    bool rollup = read_rollup(files, nfiles, &subj, &text);
    for (int i = 0; i < nfiles && nseen < 16; i++) {
        struct report_ref r;
        bool dup = false;
        if (!parse_report_name(files[i], &r))
            continue;
        for (int j = 0; j < nseen; j++)
            dup = dup || (!strcmp(seen[j].base, r.base) && !strcmp(seen[j].dir, r.dir));
        if (!dup)
            seen[nseen++] = r;
    }
    if (nseen == 0 && !rollup) {
        sbuf_addf(&subj, "xetl: %d file%s", nfiles, nfiles == 1 ? "" : "s");
        sbuf_adds(&text, "Files from xetl are attached.\n");
    }
    for (int j = 0; j < nseen; j++) {
        char followers[64], head[96];
        sbuf_addf(&text, "%s@%s, %s to %s\n", j ? "\n" : "", seen[j].handle, seen[j].from, seen[j].to);
        read_summary(&seen[j], &text, followers, sizeof followers);
        if (followers[0])
            snprintf(head, sizeof head, "%s%s followers", followers[0] == '-' ? "" : "+", followers);
        else
            snprintf(head, sizeof head, "followers gained: no data");
        if (rollup)
            continue;
        if (j == 0)
            sbuf_addf(&subj, "xetl ROI @%s %s to %s: %s", seen[j].handle, seen[j].from, seen[j].to, head);
        else if (j < 4)
            sbuf_addf(&subj, "; @%s: %s", seen[j].handle, head);
        else if (j == 4)
            sbuf_adds(&subj, "; ...");
    }
    sbuf_adds(&text, "\nAttached:\n");
    for (int i = 0; i < nfiles; i++) {
        const char *b = strrchr(files[i], '/');
        sbuf_addf(&text, "  %s\n", b ? b + 1 : files[i]);
    }
    sbuf_adds(&text, "\nColumns are defined in reports.md, installed with xetl as " XETL_DOCDIR "/reports.md\n"
                     "(docs/reports.md in its source).\n");
    *subject = sbuf_detach(&subj);
    *body = sbuf_detach(&text);
}

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

int mail_send_files(const struct config *cfg, const char *to, char *const *files, int nfiles,
                    struct xerr *err)
{
    const char *url = config_get(cfg, "smtp_url");
    const char *from = config_get(cfg, "mail_from");
    const char *user = config_get(cfg, "smtp_user");
    char *password = NULL, *subject = NULL, *body = NULL, *host = NULL, *scheme = NULL;
    struct curl_slist *rcpt = NULL, *headers = NULL;
    struct sbuf to_hdr = SBUF_INIT, line = SBUF_INIT;
    struct send_state st;
    char errbuf[CURL_ERROR_SIZE], date[64];
    CURL *h = NULL;
    curl_mime *mime = NULL;
    CURLU *u = NULL;
    bool insecure = false, loopback;
    long retries = 3, backoff = 2000, timeout = 120;
    struct retry policy;
    int rc = 0;

    sbuf_init(&to_hdr);
    sbuf_init(&line);
    if (!to || !*to)
        to = config_get(cfg, "mail_to");
    if ((rc = parse_rcpts(to ? to : "", &rcpt, &to_hdr, err)))
        goto out;
    if (nfiles <= 0) {
        rc = xerr_set(err, XETL_EX_USAGE, "mail: no file to send");
        goto out;
    }
    for (int i = 0; i < nfiles; i++) {
        FILE *fp = fopen(files[i], "rb");
        if (!fp) {
            rc = xerr_set(err, XETL_EX_NOINPUT, "mail: cannot open '%s': %s", files[i], strerror(errno));
            goto out;
        }
        fclose(fp);
    }
    if (!url || !*url) {
        rc = xerr_set(err, XETL_EX_CONFIG, "mail: smtp_url is not set (XETL_SMTP_URL)");
        goto out;
    }
    if (!from || !*from || !strchr(from, '@') || strpbrk(from, "<>\r\n\" ")) {
        rc = xerr_set(err, XETL_EX_CONFIG, "mail: mail_from is not a plain address (XETL_MAIL_FROM)");
        goto out;
    }
    if ((rc = config_get_bool(cfg, "smtp_insecure", &insecure, err)) ||
        (rc = config_get_long(cfg, "mail.retries", &retries, err)) ||
        (rc = config_get_long(cfg, "mail.backoff_ms", &backoff, err)) ||
        (rc = config_get_long(cfg, "mail.timeout", &timeout, err)))
        goto out;
    retry_init(&policy, retries, backoff, ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL));

    /* TLS policy, decided on the parsed URL, never on a substring. */
    u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        rc = xerr_set(err, XETL_EX_CONFIG, "mail: smtp_url is not a URL");
        goto out;
    }
    loopback = mail_host_is_loopback(host);
    if (strcasecmp(scheme, "smtps") && strcasecmp(scheme, "smtp")) {
        rc = xerr_set(err, XETL_EX_CONFIG, "mail: smtp_url scheme '%s' is not smtp or smtps", scheme);
        goto out;
    }
    if ((rc = config_get_secret(cfg, "smtp_password", &password, err)))
        goto out;

    mail_compose(files, nfiles, &subject, &body);

    if (!(h = curl_easy_init())) {
        rc = xerr_set(err, XETL_EX_SOFTWARE, "mail: cannot initialise libcurl");
        goto out;
    }
    {
        /* Transport metadata, not a result: the real clock is right here. */
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(date, sizeof date, "Date: %a, %d %b %Y %H:%M:%S +0000", &tm);
    }
    headers = curl_slist_append(headers, date);
    sbuf_addf(&line, "From: %s", from);
    headers = curl_slist_append(headers, line.buf);
    sbuf_reset(&line);
    sbuf_addf(&line, "To: %s", to_hdr.buf);
    headers = curl_slist_append(headers, line.buf);
    sbuf_reset(&line);
    sbuf_addf(&line, "Subject: %s", subject);
    headers = curl_slist_append(headers, line.buf);
    headers = curl_slist_append(headers, "MIME-Version: 1.0");

    mime = curl_mime_init(h);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_data(part, body, CURL_ZERO_TERMINATED);
    curl_mime_type(part, "text/plain; charset=utf-8");
    curl_mime_encoder(part, "quoted-printable");
    for (int i = 0; i < nfiles; i++) {
        part = curl_mime_addpart(mime);
        if (curl_mime_filedata(part, files[i]) != CURLE_OK) {
            rc = xerr_set(err, XETL_EX_NOINPUT, "mail: cannot attach '%s'", files[i]);
            goto out;
        }
        curl_mime_type(part, content_type_of(files[i]));
        curl_mime_encoder(part, "base64");
    }

    memset(&st, 0, sizeof st);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, &st);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L); /* feeds on_debug only; nothing is printed */
    /*
     * One attempt lasts at most mail.timeout seconds.  A server that stalls
     * after the final dot costs one reply wait, then curl's QUIT waits once
     * more: each wait is half of mail.timeout, so that stall, never retried,
     * holds the nightly's lock no longer than mail.timeout (docs/operations.md).
     */
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 30 ? timeout : 30L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout > 1 ? timeout / 2 : 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (!strcasecmp(scheme, "smtp"))
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)(loopback || insecure ? CURLUSESSL_TRY : CURLUSESSL_ALL));
    if (config_get(cfg, "ca_bundle"))
        curl_easy_setopt(h, CURLOPT_CAINFO, config_get(cfg, "ca_bundle"));
    if (user && *user)
        curl_easy_setopt(h, CURLOPT_USERNAME, user);
    if (password)
        curl_easy_setopt(h, CURLOPT_PASSWORD, password);

    for (long attempt = 0;; attempt++) {
        long code = 0;
        CURLcode cc;
        errbuf[0] = '\0';
        st.reply[0] = '\0';
        st.data_started = false;
        cc = curl_easy_perform(h);
        if (cc == CURLE_OK) {
            log_info("mail: sent %d file%s to %s via '%s'", nfiles, nfiles == 1 ? "" : "s", to_hdr.buf, host);
            break;
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        /*
         * The body went out (354) and no reply to it came (a drop or a stall
         * after the data, not a send error during it): the server may have
         * taken the message.  Sending it again could deliver it twice, so it
         * is not retried, and the error says delivery is uncertain.
         */
        if (st.data_started && (code == 0 || code == 354) && cc != CURLE_SEND_ERROR) {
            rc = xerr_set(err, XETL_EX_UNAVAILABLE,
                          "mail: delivery to %s is uncertain: smtp server '%s' gave no reply after the message "
                          "was sent (%s); not retried so it is never delivered twice, check the mailbox",
                          to_hdr.buf, host, errbuf[0] ? errbuf : curl_easy_strerror(cc));
            break;
        }
        if (retry_allowed(&policy, (int)attempt + 1) && temporary(cc, code)) {
            long delay = retry_delay_ms(&policy, (int)attempt + 1);
            log_warn("mail: attempt %ld failed (%s), retrying in %ld ms", attempt + 1,
                     st.reply[0] ? st.reply : (errbuf[0] ? errbuf : curl_easy_strerror(cc)), delay);
            retry_sleep_ms(delay);
            continue;
        }
        rc = xerr_set(err, XETL_EX_UNAVAILABLE, "mail: smtp server '%s' %s after %ld attempt%s: %s%s%s", host,
                      temporary(cc, code) ? "still failing" : "refused the message", attempt + 1,
                      attempt ? "s" : "", st.reply[0] ? st.reply : "no reply",
                      errbuf[0] ? " - " : "", errbuf[0] ? errbuf : curl_easy_strerror(cc));
        break;
    }

out:
    if (h)
        curl_easy_cleanup(h);
    curl_mime_free(mime);
    curl_slist_free_all(rcpt);
    curl_slist_free_all(headers);
    curl_free(host);
    curl_free(scheme);
    curl_url_cleanup(u);
    if (password) {
        memset(password, 0, strlen(password));
        free(password);
    }
    free(subject);
    free(body);
    sbuf_release(&to_hdr);
    sbuf_release(&line);
    return rc;
}

int mail_check_rcpts(const char *to, struct sbuf *hdr, struct xerr *err)
{
    struct curl_slist *rcpt = NULL;
    int rc = parse_rcpts(to, &rcpt, hdr, err);
    curl_slist_free_all(rcpt);
    return rc;
}
