/* cli/cmd_fit.c — `xetl fit` (to be built; see its issue). */
#include "cli/cli.h"

int cmd_fit(struct ctx *ctx, int argc, char **argv)
{
    return cli_not_built(ctx, argc, argv);
}
