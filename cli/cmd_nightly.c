/* cli/cmd_nightly.c — `xetl nightly` (to be built; see its issue). */
#include "cli/cli.h"

int cmd_nightly(struct ctx *ctx, int argc, char **argv)
{
    return cli_not_built(ctx, argc, argv);
}
