/* common/log.c — see log.h. */
#include "common/log.h"
#include "common/json.h"
#include "common/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum log_level cur_level = LOG_INFO;
static enum log_format cur_format = LOG_TEXT;

static const char *level_name[] = { "error", "warning", "info", "debug" };

void log_setup(enum log_level level, enum log_format format)
{
    cur_level = level;
    cur_format = format;
}

enum log_level log_get_level(void) { return cur_level; }
enum log_format log_get_format(void) { return cur_format; }

double log_wallclock(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static long long rusage_us(const struct rusage *ru)
{
    return (long long)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000 + ru->ru_utime.tv_usec +
           ru->ru_stime.tv_usec;
}

long log_cpu_ms(bool children)
{
    struct rusage ru;
    long long us = 0;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        us += rusage_us(&ru);
    if (children && getrusage(RUSAGE_CHILDREN, &ru) == 0)
        us += rusage_us(&ru);
    return (long)(us / 1000);
}

static void stamp(char *out, size_t n)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
}

static void emit(enum log_level level, const char *msg, int exit_code)
{
    char ts[40];
    struct sbuf sb = SBUF_INIT;

    sbuf_init(&sb);
    stamp(ts, sizeof ts);
    if (cur_format == LOG_JSON) {
        struct jw w;
        jw_init(&w, &sb);
        jw_obj(&w);
        jw_key(&w, "ts");
        jw_str(&w, ts);
        jw_key(&w, "level");
        jw_str(&w, level_name[level]);
        jw_key(&w, "msg");
        jw_str(&w, msg);
        if (exit_code >= 0) {
            jw_key(&w, "exit");
            jw_int(&w, exit_code);
        }
        jw_obj_end(&w);
        sbuf_addc(&sb, '\n');
    } else if (exit_code >= 0) {
        sbuf_addf(&sb, "xetl: error: %s\n", msg);
    } else {
        sbuf_addf(&sb, "%s %s: %s\n", ts, level_name[level], msg);
    }
    /* One write per line so concurrent writers do not interleave mid-line. */
    fflush(stderr);
    if (write(STDERR_FILENO, sb.buf, sb.len) < 0) {
        /* nowhere left to report it */
    }
    sbuf_release(&sb);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;

    if (level > cur_level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit(level, msg, -1);
}

void log_fatal_line(int exit_code, const char *msg)
{
    emit(LOG_ERROR, msg, exit_code);
}

static bool progress_enabled(void)
{
    return cur_level >= LOG_INFO && isatty(STDERR_FILENO);
}

static void progress_draw(struct progress *p, double now)
{
    double el = now - p->started;
    double rate = el > 0 ? (double)p->done / el : 0;
    if (p->total > 0) {
        double eta = rate > 0 ? (double)(p->total - p->done) / rate : 0;
        fprintf(stderr, "\r%s: %ld/%ld (%3.0f%%) %.0f/s eta %.0fs   ", p->label, p->done, p->total,
                100.0 * (double)p->done / (double)p->total, rate, eta);
    } else {
        fprintf(stderr, "\r%s: %ld %.0f/s   ", p->label, p->done, rate);
    }
    fflush(stderr);
    p->last_draw = now;
}

void progress_begin(struct progress *p, const char *label, long total)
{
    memset(p, 0, sizeof *p);
    p->label = label;
    p->total = total;
    p->started = log_wallclock();
    p->active = progress_enabled();
}

void progress_step(struct progress *p, long n)
{
    p->done += n;
    if (!p->active)
        return;
    double now = log_wallclock();
    if (now - p->last_draw >= 0.25)
        progress_draw(p, now);
}

void progress_end(struct progress *p)
{
    if (!p->active)
        return;
    progress_draw(p, log_wallclock());
    fputc('\n', stderr);
    p->active = false;
}
