/*
 * cli/cmd_mail.c — `xetl mail --to ADDR[,ADDR...] FILE...`.
 */
#include "cli/cli.h"
#include "reports/mail.h"

#include <getopt.h>
#include <stdio.h>

static void usage(void)
{
    printf("xetl mail — send files as attachments over SMTP\n\n"
           "Usage:\n  xetl [GLOBAL OPTIONS] mail [--to ADDR[,ADDR...]] FILE...\n\n"
           "Sends one message with the files attached.  For report files the subject names\n"
           "the account, range and followers gained, and the body repeats the summary.\n"
           "Settings (config key / environment): smtp_url / XETL_SMTP_URL (smtps://host:465,\n"
           "or smtp://host:587 with STARTTLS required; plain smtp:// only to a loopback host\n"
           "or with smtp_insecure = true), smtp_user / XETL_SMTP_USER, smtp_password /\n"
           "XETL_SMTP_PASSWORD or smtp_password_file, mail_from / XETL_MAIL_FROM, mail.retries,\n"
           "mail.backoff_ms.  Exit 69 when the server refuses or cannot be reached after the\n"
           "retries; the files are left as they are.\n\n"
           "Options:\n"
           "  --to LIST     comma-separated recipients (default mail_to / XETL_MAIL_TO)\n"
           "  -h, --help    show this help, then exit\n");
}

int cmd_mail(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "to", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *to = NULL;
    int c;

    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 't': to = optarg; break;
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "mail", "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error(ctx, "mail", "no file to send");
    return mail_send_files(ctx->cfg, to, argv + optind, argc - optind, &ctx->err);
}
