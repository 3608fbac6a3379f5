/* cli/cmd_rerun.c — `xetl rerun` (to be built; see its issue). */
#include "cli/cli.h"

int cmd_rerun(struct ctx *ctx, int argc, char **argv)
{
    return cli_not_built(ctx, argc, argv);
}
