/* cli/cmd_health.c — `xetl health` (to be built; see its issue). */
#include "cli/cli.h"

int cmd_health(struct ctx *ctx, int argc, char **argv)
{
    return cli_not_built(ctx, argc, argv);
}
