/*
 * cli/cmd_demo.c — `xetl demo [--dir DIR]`.
 *
 * The demo orchestrates other programs (initdb, pg_ctl, the fake X API,
 * psql), which is a shell script's job: this command finds demo.sh (installed
 * under the data directory, or in the source tree beside the binary), checks
 * what it needs, and hands over to it with the path of this binary.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(void)
{
    printf("xetl demo — try xetl on a bundled account, touching nothing else\n\n"
           "Usage:\n  xetl demo [--dir DIR]\n\n"
           "Starts a throwaway PostgreSQL in a temporary directory and a local fake X API\n"
           "on 127.0.0.1, loads the bundled account (90 days, ~3,000 posts and replies with\n"
           "generation metadata, follower samples, an analytics CSV export), runs 'xetl\n"
           "nightly' for the last three nights, prints the headline (followers gained,\n"
           "cost, cost per follower, ROI, each beside the 7 days before) and the latest\n"
           "night's report paths, and stops what it started.  Without --dir it then\n"
           "removes everything it made but those reports.  Needs the postgresql and\n"
           "python3 packages ('make demo' installs them when run as root).\n\n"
           "Options:\n"
           "  --dir DIR     work in DIR and keep everything: the database (stopped; the demo\n"
           "                says how to start it), all nights' reports, the fixtures, the log\n"
           "  -h, --help    show this help, then exit\n");
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The share directory: the source tree when run from it, else the installed one. */
static int find_share(char *out, size_t n, char *self, size_t self_n)
{
    char path[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, self_n - 1);
    if (len <= 0)
        return -1;
    self[len] = '\0';
    snprintf(path, sizeof path, "%s", self);
    char *slash = strrchr(path, '/');
    if (slash)
        *slash = '\0';
    /* Source tree: ./xetl beside fixtures/, or build-san/xetl one level down. */
    for (int up = 0; up < 2; up++) {
        char probe[PATH_MAX + 64];
        snprintf(probe, sizeof probe, "%s/fixtures/demo/demo.sh", path);
        if (is_file(probe)) {
            snprintf(out, n, "%s/.demo-share", path);
            return 1;
        }
        slash = strrchr(path, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
    /*
     * Installed: PREFIX/bin/xetl beside PREFIX/share/xetl, wherever PREFIX is
     * (built for /usr/local, installed under /opt/x); then the built-in path.
     */
    snprintf(path, sizeof path, "%s", self);
    if ((slash = strrchr(path, '/')) != NULL) {
        *slash = '\0';
        if ((slash = strrchr(path, '/')) != NULL) {
            char probe[PATH_MAX + 64];
            *slash = '\0';
            snprintf(probe, sizeof probe, "%s/share/xetl/demo/demo.sh", path);
            if (is_file(probe)) {
                snprintf(out, n, "%s/share/xetl", path);
                return 0;
            }
        }
    }
    snprintf(out, n, "%s", XETL_DATADIR);
    return is_file(XETL_DATADIR "/demo/demo.sh") ? 0 : -1;
}

int cmd_demo(struct ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "dir", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir = NULL;
    char share[PATH_MAX], self[PATH_MAX], script[PATH_MAX + 32];
    int c;

    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        switch (c) {
        case 'd': dir = optarg; break;
        case 'h': usage(); return 0;
        default: return cli_usage_error(ctx, "demo", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(ctx, "demo", "unexpected argument '%s'", argv[optind]);
    int where = find_share(share, sizeof share, self, sizeof self);
    if (where < 0)
        return xerr_set(&ctx->err, XETL_EX_CONFIG, "cannot find the demo files (looked beside the binary in ../share/xetl/demo and in %s/demo)",
                       XETL_DATADIR);
    if (where == 1) {
        /* In the source tree the files live in three places; demo.sh wants one. */
        char root[PATH_MAX];
        snprintf(root, sizeof root, "%.*s", (int)(strlen(share) - strlen("/.demo-share")), share);
        char cmd[4 * PATH_MAX];
        snprintf(cmd, sizeof cmd,
                 "mkdir -p '%s/lib' && ln -sfn '%s/fixtures/demo' '%s/demo' && ln -sfn '%s/tests/fakex' '%s/fakex'"
                 " && ln -sf '%s/tests/lib/pg.sh' '%s/lib/pg.sh'",
                 share, root, share, root, share, root, share);
        if (system(cmd) != 0)
            return xerr_set(&ctx->err, XETL_EX_SOFTWARE, "cannot prepare the demo files in '%s'", share);
    }
    snprintf(script, sizeof script, "%s/demo/demo.sh", share);
    setenv("XETL", self, 1);
    setenv("XETL_SHARE", share, 1);
    if (dir)
        setenv("DEMO_DIR", dir, 1);
    fflush(NULL);
    execl("/bin/sh", "sh", script, (char *)NULL);
    return xerr_set(&ctx->err, XETL_EX_SOFTWARE, "cannot run '%s'", script);
}
