/* cli/cmd_learn.c — `xetl learn` (to be built; see its issue). */
#include "cli/cli.h"

int cmd_learn(struct ctx *ctx, int argc, char **argv)
{
    return cli_not_built(ctx, argc, argv);
}
