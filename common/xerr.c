/* common/xerr.c — see xerr.h. */
#include "common/xerr.h"
#include "common/sbuf.h"

#include <stdio.h>
#include <string.h>

int xerr_set(struct xerr *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* Messages are one line: libpq and libcurl texts end with newlines. */
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = (p[1] ? ' ' : '\0');
    utf8_scrub(err->msg); /* the message is stored in xetl.runs, which wants valid UTF-8 */
    return code;
}

int xerr_prefix(struct xerr *err, const char *fmt, ...)
{
    char prefix[256], old[sizeof err->msg];
    va_list ap;

    if (!err)
        return XETL_EX_SOFTWARE;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s%s", prefix, old);
    utf8_scrub(err->msg);
    return err->code;
}

void xerr_clear(struct xerr *err)
{
    err->code = 0;
    err->msg[0] = '\0';
}
