/*
 * common/numfmt.h — printf's "%.*g" of a double, byte for byte, without
 * printf's multi-precision arithmetic: jw_numg's formatter, for the
 * attribution rows' ~100,000 numbers an account a night and fit's curves
 * (docs/scaling.md, "Attribute"; measured in docs/scaling-readings.md, "The
 * stages after fit on an established night").
 */
#ifndef XETL_COMMON_NUMFMT_H
#define XETL_COMMON_NUMFMT_H

#include <stddef.h>

/* Room numfmt_g needs (snprintf's too, up to 15 digits): sign, digits, point, "e-308", NUL. */
#define NUMFMT_G_MAX 32

/*
 * Writes snprintf(out, NUMFMT_G_MAX, "%.*g", prec, v) into out and returns
 * its length.  Fast for prec 1..12.  Exact: cases it cannot decide cheaply (a value
 * within rounding error of a tie, NaN, infinities, extreme exponents, more
 * than 12 digits) go to snprintf itself.
 */
size_t numfmt_g(char *out, double v, int prec);

#endif
