/* cli/cmd_mail.c — `xetl mail` (to be built; see its issue). */
#include "cli/cli.h"

int cmd_mail(struct ctx *ctx, int argc, char **argv)
{
    return cli_not_built(ctx, argc, argv);
}
