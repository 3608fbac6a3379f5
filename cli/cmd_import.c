/* cli/cmd_import.c — `xetl import` (to be built; see its issue). */
#include "cli/cli.h"

int cmd_import(struct ctx *ctx, int argc, char **argv)
{
    return cli_not_built(ctx, argc, argv);
}
