/*
 * common/log.h — logging on stderr, as text or JSON lines.
 *
 * Normal output (report paths, listings) goes to stdout and never through
 * here.  Messages are lowercase, one line, no trailing period, and never
 * contain secrets: callers pass redacted URLs and conninfo.
 */
#ifndef XETL_LOG_H
#define XETL_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };
enum log_format { LOG_TEXT = 0, LOG_JSON = 1 };

/* -q maps to LOG_ERROR (errors only), -v to LOG_DEBUG. */
void log_setup(enum log_level level, enum log_format format);
enum log_level log_get_level(void);
enum log_format log_get_format(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* The one line printed before a failing exit: "xetl: error: MSG" (or JSON). */
void log_fatal_line(int exit_code, const char *msg);

/*
 * Progress for long stages: on a terminal (and not -q) a counter with rate and
 * ETA redrawn at most 4 times a second; elsewhere nothing (cron mails stay
 * short).  total may be 0 when unknown.
 */
struct progress {
    const char *label;
    long total;
    long done;
    double started;
    double last_draw;
    bool active;
};
void progress_begin(struct progress *p, const char *label, long total);
void progress_step(struct progress *p, long n);
void progress_end(struct progress *p);

double log_wallclock(void); /* seconds since the epoch, for durations only */
/* CPU milliseconds (user + system) of this process, all its threads, and with
 * children its waited-for children too: for per-stage CPU in the run log. */
long log_cpu_ms(bool children);

#endif
