/*
 * common/xerr.h — how errors travel in xetl.
 *
 * Library functions never print errors and never exit: they fill a struct xerr
 * and return its code.  The code is the process exit status class from
 * sysexits.h (docs/interface.md), so the command layer only has to print
 * err.msg on one line and exit with err.code.
 */
#ifndef XETL_XERR_H
#define XETL_XERR_H

#include <stdarg.h>

enum xetl_exit {
    XETL_OK = 0,
    XETL_EX_USAGE = 64,       /* command line usage error */
    XETL_EX_DATAERR = 65,     /* input data rejected (good rows loaded) */
    XETL_EX_NOINPUT = 66,     /* an input file cannot be opened */
    XETL_EX_UNAVAILABLE = 69, /* X API, SMTP or database unavailable after retries */
    XETL_EX_SOFTWARE = 70,    /* internal error */
    XETL_EX_CANTCREAT = 73,   /* an output file or directory cannot be created */
    XETL_EX_IOERR = 74,       /* a file could not be written: disk full, file size limit */
    XETL_EX_TEMPFAIL = 75,    /* lock held, rate limited: retry later */
    XETL_EX_CONFIG = 78,      /* configuration error */
};

struct xerr {
    int code;        /* 0 or an enum xetl_exit value */
    char msg[1024];  /* one line, lowercase, no trailing period, no secrets */
};

/* Sets code and message; returns code so callers can `return xerr_set(...)`. */
int xerr_set(struct xerr *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with context ("pull: " + msg); returns code. */
int xerr_prefix(struct xerr *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void xerr_clear(struct xerr *err);

#endif
