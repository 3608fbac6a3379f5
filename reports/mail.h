/*
 * reports/mail.h — sending report files by mail over SMTP (libcurl).
 *
 * One message, the files as MIME attachments.  The subject names the account,
 * the range and the headline number (followers gained), and a short
 * plain-text body repeats the summary; both are read back from the report's
 * own summary CSV (attached, or lying beside the attached files), so mailing
 * needs no database.
 *
 * Transport policy: smtps:// (TLS from the start) or smtp:// with STARTTLS
 * required; plain smtp:// only to a loopback host or when smtp_insecure is
 * true.  Certificates are always verified.  Temporary failures (4xx replies,
 * connection errors) are retried mail.retries times with doubling backoff
 * from mail.backoff_ms; a final failure returns 69 with the server's reply.
 * The files are never touched, and the password never appears in any
 * message or log line.
 *
 * Not an MTA: no queue, no DSN handling, no HTML.
 */
#ifndef XETL_MAIL_H
#define XETL_MAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/xerr.h"

struct config;

/*
 * Mails files to the comma-separated addresses in to (NULL: mail_to from
 * the config).  Settings: smtp_url, smtp_user, smtp_password[_file],
 * smtp_insecure, mail_from, mail.retries, mail.backoff_ms.
 * Returns 0, 64 (no recipient), 66 (a file cannot be read), 78 (settings
 * missing or TLS policy violated) or 69 (the server refused or could not be
 * reached after the retries).
 */
int mail_send_files(const struct config *cfg, const char *to, char *const *files, int nfiles,
                    struct xerr *err);

/*
 * Builds the subject and body for files (exposed for tests): reads the
 * summary CSV of each report named in files.  *subject and *body are
 * malloc'd (caller frees).
 */
void mail_compose(char *const *files, int nfiles, char **subject, char **body);

/*
 * The figures a mail quotes, passed as values (mail_compose reads them from
 * the CSVs by column name): one headline metric of a report's summary, and
 * one leaderboard or agency row of a roll-up.  Empty strings for no value.
 */
struct mail_headline {
    const char *item, *unit, *current, *previous;
};
struct mail_board {
    const char *section, *rank, *name, *followers_gained, *cost_usd, *roi, *trend;
};
struct sbuf;
/* The body line of one headline metric; followers gets the figure when it is "followers gained". */
void mail_headline_line(const struct mail_headline *h, struct sbuf *body, char *followers, size_t n);
/* The body line of one roll-up row. */
void mail_board_line(const struct mail_board *b, struct sbuf *body);

/* Whether host (as in a URL: "127.0.0.1", "localhost", "[::1]") is a loopback address. */
bool mail_host_is_loopback(const char *host);

/*
 * Checks a recipient list as sending does ("a@x, b@y"): 0 and the To header
 * text appended to hdr, or 64 naming the bad address (exposed for tests).
 */
int mail_check_rcpts(const char *to, struct sbuf *hdr, struct xerr *err);

#endif
