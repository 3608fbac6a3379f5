/* cli/cmd_runs.c — `xetl runs` (to be built; see its issue). */
#include "cli/cli.h"

int cmd_runs(struct ctx *ctx, int argc, char **argv)
{
    return cli_not_built(ctx, argc, argv);
}
