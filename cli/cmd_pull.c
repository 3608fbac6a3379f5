/* cli/cmd_pull.c — `xetl pull` (to be built; see its issue). */
#include "cli/cli.h"

int cmd_pull(struct ctx *ctx, int argc, char **argv)
{
    return cli_not_built(ctx, argc, argv);
}
