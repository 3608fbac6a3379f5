/* cli/cmd_attribute.c — `xetl attribute` (to be built; see its issue). */
#include "cli/cli.h"

int cmd_attribute(struct ctx *ctx, int argc, char **argv)
{
    return cli_not_built(ctx, argc, argv);
}
