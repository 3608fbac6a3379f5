/* stats/gsl_setup.c — see gsl_setup.h. */
#include "stats/gsl_setup.h"

#include <gsl/gsl_errno.h>

void stats_gsl_setup(void)
{
    gsl_set_error_handler_off();
}
