/* cli/cmd_report.c — `xetl report` (to be built; see its issue). */
#include "cli/cli.h"

int cmd_report(struct ctx *ctx, int argc, char **argv)
{
    return cli_not_built(ctx, argc, argv);
}
