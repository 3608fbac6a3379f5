/* cli/cmd_demo.c — `xetl demo` (to be built; see its issue). */
#include "cli/cli.h"

int cmd_demo(struct ctx *ctx, int argc, char **argv)
{
    return cli_not_built(ctx, argc, argv);
}
