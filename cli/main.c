/*
 * cli/main.c — `xetl [GLOBAL OPTIONS] COMMAND [COMMAND OPTIONS] [ARGS]`.
 *
 * main() parses the global options (wherever they appear on the line),
 * settles the configuration and the run's as-of, runs one command, records
 * data-changing commands in xetl.runs, and turns the command's error into
 * the one line on stderr and the exit status of docs/interface.md.
 */
#include "cli/cli.h"
#include "cli/pipeline.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "etl/db.h"
#include "etl/migrate.h"
#include "etl/xapi.h"
#include "etl/runlog.h"
#include "stats/gsl_setup.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Where the system-wide xetl.conf lives (make SYSCONFDIR=...). */
#ifndef XETL_SYSCONFDIR
#define XETL_SYSCONFDIR "/etc/xetl"
#endif

struct command {
    const char *name;
    int (*fn)(struct ctx *, int, char **);
    bool logged;      /* changes data: gets a row in xetl.runs */
    const char *summary;
};

static const struct command commands[] = {
    { "migrate", cmd_migrate, false, "create or upgrade the schema (safe to run again)" },
    { "account", cmd_account, false, "register an account to track, or list them" },
    { "pull", cmd_pull, true, "X API v2 -> raw landing -> snapshots, analytics, follower samples" },
    { "import", cmd_import, true, "load X analytics CSV exports ('-' reads stdin)" },
    { "fit", cmd_fit, true, "engagement-decay models for posts in the range" },
    { "validate-decay", cmd_validate_decay, false, "score the decay model on a cumulative-count CSV" },
    { "attribute", cmd_attribute, true, "attribute follower gains to posts" },
    { "learn", cmd_learn, true, "performance aggregates and Thompson posteriors" },
    { "health", cmd_health, true, "daily system health, costs and ROI" },
    { "report", cmd_report, true, "CSV and XLSX ROI reports for a date range" },
    { "mail", cmd_mail, false, "send files as attachments over SMTP" },
    { "nightly", cmd_nightly, true, "pull, fit, attribute, learn, health, report (and mail)" },
    { "rerun", cmd_rerun, true, "recompute fit ... report for a past range from landed data" },
    { "runs", cmd_runs, false, "list recent runs from the run log" },
    { "prune", cmd_prune, true, "apply the retention settings to raw responses and old snapshots" },
    { "demo", cmd_demo, false, "throwaway PostgreSQL + fake X API + bundled fixtures + nightly" },
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void print_help(FILE *out)
{
    fprintf(out,
            "xetl — nightly X (Twitter) analytics ETL, models and ROI reports\n\n"
            "Usage:\n  xetl [GLOBAL OPTIONS] COMMAND [COMMAND OPTIONS] [ARGS]\n\n"
            "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\nGlobal options:\n"
            "  --db CONNINFO         libpq conninfo or URI (default $XETL_DB, else libpq's PG* defaults)\n"
            "  --config FILE         key = value settings (default $XETL_CONFIG, else the first of\n"
            "                        ./xetl.conf, ~/.config/xetl/xetl.conf, " XETL_SYSCONFDIR "/xetl.conf)\n"
            "  --account HANDLE      only this account (repeatable; default every active account)\n"
            "  --as-of TIMESTAMP     the run's \"now\" (ISO 8601, UTC unless an offset is given)\n"
            "  -v, --verbose         more logging on stderr (repeatable)\n"
            "  -q, --quiet           print nothing but errors\n"
            "  --log-format FORMAT   text (default) or json (one JSON object a line)\n"
            "  -h, --help            show this help, then exit\n"
            "  -V, --version         show the version, then exit\n\n"
            "Run 'xetl COMMAND --help' for a command's options.  Exit status follows sysexits.h:\n"
            "0 done, 64 usage, 65 data rejected, 66 no input, 69 unavailable, 70 internal,\n"
            "73 cannot create output, 74 cannot write (disk full), 75 temporary failure (retry later),\n"
            "78 configuration.  See xetl(1).\n");
}

/* The running command's arguments, to name the option getopt_long refused. */
static char **cmd_argv;
static int cmd_argc;

int cli_usage_error(struct ctx *ctx, const char *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* getopt is silent (opterr = 0): say here which option it refused, on the one line. */
    if (!strcmp(fmt, "unknown option") && cli_option_refused()) {
        snprintf(msg, sizeof msg, "%s", cli_option_refused());
    } else if (!strcmp(fmt, "unknown option") && cmd_argv && optind > 0 && optind <= cmd_argc) {
        const char *bad = cmd_argv[optind - 1];
        if (optopt && bad[0] == '-' && bad[1] != '-')
            snprintf(msg, sizeof msg, "invalid option '-%c'", optopt);
        else
            snprintf(msg, sizeof msg, "invalid option '%s' (unknown, or missing its value)", bad);
    }
    return xerr_set(&ctx->err, XETL_EX_USAGE, "%s: %s (try 'xetl %s --help')", cmd, msg, cmd);
}

int ctx_db(struct ctx *ctx, struct db **out)
{
    int rc;
    if (!ctx->db) {
        if ((rc = db_connect(config_get(ctx->cfg, "db"), &ctx->db, &ctx->err)))
            return rc;
    }
    *out = ctx->db;
    return 0;
}

int ctx_accounts(struct ctx *ctx, struct account_list *out)
{
    struct db *db;
    int rc;
    if ((rc = ctx_db(ctx, &db)))
        return rc;
    return accounts_load(db, ctx->accounts, ctx->n_accounts, out, &ctx->err);
}

int ctx_range(struct ctx *ctx, const char *from, const char *to, int default_days, struct xrange *r)
{
    char msg[256];
    if (xrange_from_args(from, to, ctx->as_of, default_days, r, msg, sizeof msg))
        return cmd_argv ? cli_usage_error(ctx, cmd_argv[0], "%s", msg) : xerr_set(&ctx->err, XETL_EX_USAGE, "%s", msg);
    ctx->run_range = *r;
    return 0;
}

/*
 * Global options may stand anywhere on the line (cron lines and scripts put
 * them after the command as often as before).  They are taken out of argv;
 * what remains is the command and its own arguments.  "--" stops the scan.
 */
struct globals {
    const char *db, *config, *as_of, *log_format;
    int verbose, quiet;
    bool help, version;
};

static int take_globals(int argc, char **argv, struct globals *g, struct ctx *ctx, int *out_argc)
{
    static const char *const with_arg[] = { "--db", "--config", "--account", "--as-of", "--log-format" };
    int o = 1;
    bool seen_cmd = false, stop = false;

    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (stop || a[0] != '-' || a[1] == '\0') {
            seen_cmd = true;
            argv[o++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            stop = true;
            if (seen_cmd) /* the command's own: it ends the command's options too */
                argv[o++] = a;
            continue;
        }
        const char *name = NULL, *val = NULL;
        for (size_t k = 0; k < sizeof with_arg / sizeof with_arg[0]; k++) {
            size_t n = strlen(with_arg[k]);
            if (!strncmp(a, with_arg[k], n) && (a[n] == '\0' || a[n] == '=')) {
                name = with_arg[k];
                if (a[n] == '=') {
                    val = a + n + 1;
                } else if (i + 1 < argc) {
                    val = argv[++i];
                } else {
                    return xerr_set(&ctx->err, XETL_EX_USAGE, "option '%s' requires an argument (try 'xetl --help')", a);
                }
                break;
            }
        }
        if (name) {
            if (!strcmp(name, "--db"))
                g->db = val;
            else if (!strcmp(name, "--config"))
                g->config = val;
            else if (!strcmp(name, "--as-of"))
                g->as_of = val;
            else if (!strcmp(name, "--log-format"))
                g->log_format = val;
            else
                ctx->accounts[ctx->n_accounts++] = (char *)val;
            continue;
        }
        if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            g->verbose++;
        } else if (!strcmp(a, "-vv")) {
            g->verbose += 2;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            g->quiet++;
        } else if (!seen_cmd && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
            g->help = true;
        } else if (!seen_cmd && (!strcmp(a, "-V") || !strcmp(a, "--version"))) {
            g->version = true;
        } else if (!seen_cmd) {
            return xerr_set(&ctx->err, XETL_EX_USAGE, "unknown option '%s' (try 'xetl --help')", a);
        } else {
            argv[o++] = a; /* the command's own option */
        }
    }
    argv[o] = NULL;
    *out_argc = o;
    return 0;
}

/*
 * The configuration file, as daemons look for theirs: --config, else
 * $XETL_CONFIG (both must exist), else the first of ./xetl.conf,
 * $XDG_CONFIG_HOME/xetl/xetl.conf (~/.config when unset) and
 * XETL_SYSCONFDIR/xetl.conf that exists.  Only that one file is read.
 */
static char config_read[4096];     /* the file read, "" when none */
static char config_searched[8192]; /* where it was looked for, for --help */

static const char *find_config(const struct globals *g, bool *must_exist)
{
    static char xdg[4096];
    const char *env = getenv("XETL_CONFIG"), *home = getenv("XDG_CONFIG_HOME");
    *must_exist = true;
    if (g->config)
        return g->config;
    if (env && *env)
        return env;
    *must_exist = false;
    if (home && *home)
        snprintf(xdg, sizeof xdg, "%s/xetl/xetl.conf", home);
    else if ((home = getenv("HOME")) && *home)
        snprintf(xdg, sizeof xdg, "%s/.config/xetl/xetl.conf", home);
    else
        xdg[0] = '\0';
    const char *cand[] = { "./xetl.conf", xdg, XETL_SYSCONFDIR "/xetl.conf" };
    snprintf(config_searched, sizeof config_searched, "./xetl.conf, %s%s" XETL_SYSCONFDIR "/xetl.conf", xdg,
             xdg[0] ? ", " : "");
    for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++)
        if (cand[i][0] && access(cand[i], F_OK) == 0)
            return cand[i];
    return NULL;
}

/* "password=…" in key=value form, or "scheme://user:secret@host" / "?password=" in a URI. */
static bool conninfo_has_password(const char *ci)
{
    const char *at, *scheme = strstr(ci, "://");
    if (scheme) {
        const char *auth = scheme + 3, *end = auth + strcspn(auth, "/?#");
        at = memchr(auth, '@', (size_t)(end - auth));
        if (at && memchr(auth, ':', (size_t)(at - auth)))
            return true;
        return strstr(ci, "password=") != NULL;
    }
    for (const char *p = ci; (p = strstr(p, "password")) != NULL; p += 8) {
        const char *q = p + 8;
        while (*q == ' ')
            q++;
        if (*q == '=' && (p == ci || p[-1] == ' ' || p[-1] == '\t'))
            return true;
    }
    return false;
}

static int settle_config(struct ctx *ctx, const struct globals *g)
{
    bool must_exist;
    const char *path = find_config(g, &must_exist);
    int rc;

    if (path) {
        if ((rc = config_load_file(ctx->cfg, path, !must_exist, &ctx->err)))
            return rc;
        snprintf(config_read, sizeof config_read, "%s", path);
        log_debug("settings read from %s", path);
    }
    if (g->db && (rc = config_set_flag(ctx->cfg, "db", g->db, &ctx->err)))
        return rc;
    if (g->db && conninfo_has_password(g->db))
        log_warn("--db holds a password: on the command line every user of this machine can read it in the "
                 "process list; use ~/.pgpass, PGPASSFILE or XETL_DB instead (docs/security.md)");
    return config_validate(ctx->cfg, &ctx->err);
}

/*
 * Run log: one xetl.runs row per data-changing command.  No database, or one
 * not migrated yet, is the command's own error to report (it says so in its
 * own words); a database that refuses the row is an error here: a run that
 * cannot be recorded does not run.
 */
static int run_begin(struct ctx *ctx, const char *command)
{
    struct db *db;
    struct xerr err = { 0 };

    if (ctx_db(ctx, &db)) {
        xerr_clear(&ctx->err);
        return 0;
    }
    if (migrate_check_current(db, &err))
        return 0;
    if (runlog_begin(db, command, ctx->as_of, &ctx->run_id, &err)) {
        ctx->err = err;
        return xerr_prefix(&ctx->err, "cannot record the run in xetl.runs: ");
    }
    /* Rows of killed runs of any command are closed by the next command of any kind. */
    return runlog_close_stale(db, ctx->run_id, false, &ctx->err);
}

/* nightly and rerun take the lock themselves (cli/pipeline.c), around the stages only. */
static bool locks_itself(const char *command)
{
    return !strcmp(command, "nightly") || !strcmp(command, "rerun");
}

static void run_end(struct ctx *ctx, int rc)
{
    struct xerr err = { 0 };

    if (!ctx->run_id)
        return;
    /* A mistyped command line did nothing: it leaves no run behind. */
    if (rc == XETL_EX_USAGE && ctx->db && db_alive(ctx->db)) {
        db_rollback(ctx->db);
        runlog_forget(ctx->db, ctx->run_id, &err);
        return;
    }
    /* The command may have lost its connection: reconnect once to record the outcome. */
    if (ctx->db && !db_alive(ctx->db)) {
        db_close(ctx->db);
        ctx->db = NULL;
        if (db_connect(config_get(ctx->cfg, "db"), &ctx->db, &err))
            return;
    }
    if (!ctx->db)
        return;
    db_rollback(ctx->db); /* a command that failed mid-transaction */
    /* The run's CPU is the whole command's, its finished workers' included,
     * not the sum of its stages (connecting, migrations, the worker pool). */
    ctx->counts.cpu_ms = log_cpu_ms(true);
    /* The command may have settled its own as-of (rerun: the end of its range). */
    if (runlog_end(ctx->db, ctx->run_id, rc, ctx->err.msg, &ctx->counts, &ctx->run_range, ctx->as_of, &err))
        log_warn("cannot record the end of run %lld in xetl.runs: %s", (long long)ctx->run_id, err.msg);
}

/* `xetl --help`, `xetl` alone (a usage error) and where the configuration comes from. */
static int print_usage(struct ctx *ctx, const struct globals *g)
{
    print_help(g->help ? stdout : stderr);
    if (!g->help)
        return xerr_set(&ctx->err, XETL_EX_USAGE, "no command given");
    bool must_exist;
    const char *path = find_config(g, &must_exist);
    if (path)
        printf("\nConfiguration: %s (%s)\n", path, access(path, R_OK) ? "named, but not readable" : "read");
    else
        printf("\nConfiguration: no file found (looked for %s); environment and defaults only\n", config_searched);
    return 0;
}

/* The one reading of the clock that can matter: the default as-of. */
static int settle_as_of(struct ctx *ctx, const struct globals *g)
{
    bool date_only;
    if (!g->as_of) {
        ctx->as_of = (int64_t)time(NULL);
        return 0;
    }
    if (xtime_parse(g->as_of, &ctx->as_of, &date_only))
        return xerr_set(&ctx->err, XETL_EX_USAGE, "invalid --as-of '%s': expected an ISO 8601 timestamp", g->as_of);
    ctx->as_of_given = true;
    return 0;
}

/* Runs cmd with its arguments, in the run log when it changes data. */
static int run_command(struct ctx *ctx, const struct command *cmd, int cargc, char **argv)
{
    bool wants_help = false;
    int rc = 0;

    for (int i = 2; i < cargc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") || !strcmp(argv[i], "--status"))
            wants_help = true; /* read-only invocations leave no run row */
    if (cmd->logged && !wants_help) {
        rc = run_begin(ctx, cmd->name);
        /* Stage commands run under the nightly's lock: never beside a nightly, never beside each other. */
        if (!rc && ctx->db && ctx->run_id && !locks_itself(cmd->name))
            rc = pipeline_lock(ctx, ctx->db);
    }
    optind = 1;
    opterr = 0;
    cmd_argv = argv + 1;
    cmd_argc = cargc - 1;
    if (!rc)
        rc = cmd->fn(ctx, cargc - 1, argv + 1);
    if (rc && !ctx->err.code)
        xerr_set(&ctx->err, rc, "%s failed", cmd->name);
    run_end(ctx, rc);
    return rc;
}

int main(int argc, char **argv)
{
    struct ctx ctx = { 0 };
    struct globals g = { 0 };
    int rc = 0, cargc = 0;
    const struct command *cmd = NULL;

    stats_gsl_setup(); /* GSL must return errors, never abort() */
    /* Over `ulimit -f`, a write must fail with EFBIG (→ 74, run row closed), not kill us. */
    signal(SIGXFSZ, SIG_IGN);
    /* Inherited as ignored (a parent's choice survives exec), waitpid would lose --jobs' workers. */
    signal(SIGCHLD, SIG_DFL);
    ctx.cfg = config_new();
    ctx.accounts = xcalloc((size_t)argc + 1, sizeof(char *));

    if ((rc = take_globals(argc, argv, &g, &ctx, &cargc)))
        goto out;
    if (g.log_format && strcmp(g.log_format, "text") && strcmp(g.log_format, "json")) {
        rc = xerr_set(&ctx.err, XETL_EX_USAGE, "--log-format must be 'text' or 'json', not '%s'", g.log_format);
        goto out;
    }
    log_setup(g.quiet ? LOG_ERROR : g.verbose ? LOG_DEBUG : LOG_INFO,
              g.log_format && !strcmp(g.log_format, "json") ? LOG_JSON : LOG_TEXT);
    ctx.verbosity = g.quiet ? -1 : g.verbose;
    if (g.version) {
        printf("xetl %s\n", XETL_VERSION);
        goto out;
    }
    if (g.help || cargc < 2) {
        rc = print_usage(&ctx, &g);
        goto out;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name))
            cmd = &commands[i];
    if (!cmd) {
        rc = xerr_set(&ctx.err, XETL_EX_USAGE, "unknown command '%s' (try 'xetl --help')", argv[1]);
        goto out;
    }
    if ((rc = settle_config(&ctx, &g)) || (rc = settle_as_of(&ctx, &g)))
        goto out;
    if ((rc = xapi_global_init(&ctx.err)))
        goto out;
    rc = run_command(&ctx, cmd, cargc, argv);
    xapi_global_cleanup();
out:
    if (rc)
        log_fatal_line(rc, ctx.err.msg[0] ? ctx.err.msg : "failed");
    db_close(ctx.db);
    config_free(ctx.cfg);
    free(ctx.accounts);
    return rc;
}
