/*
 * stats/gsl_setup.h — the process-wide GSL setting every model relies on,
 * so that GSL stays inside stats/: its error handler off, so a numerical
 * failure is returned to the caller (and becomes a skipped fit or an exit
 * status) instead of abort()ing the nightly.  Call once, first thing in main().
 */
#ifndef XETL_GSL_SETUP_H
#define XETL_GSL_SETUP_H

void stats_gsl_setup(void);

#endif
