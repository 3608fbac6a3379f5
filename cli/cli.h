/*
 * cli/cli.h — the command layer: global options, the run context handed to
 * every command, and the command table.
 *
 * A command is `int cmd_NAME(struct ctx *ctx, int argc, char **argv)`: argv[0]
 * is the command name and the rest are its own options.  It returns an exit
 * status (common/xerr.h); when non-zero it has put the reason in ctx->err and
 * main() prints it as the one line on stderr.  Commands print normal output
 * (paths, listings) on stdout.
 */
#ifndef XETL_CLI_H
#define XETL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/stage.h"
#include "common/xtime.h"
#include "common/xerr.h"
#include "etl/accounts.h"

struct db;

struct ctx {
    struct config *cfg;
    int64_t as_of;          /* the run's "now": --as-of, else the clock read once at start */
    bool as_of_given;
    char **accounts;        /* --account filters (handles), may be empty */
    int n_accounts;
    int verbosity;          /* -1 quiet, 0 normal, 1+ verbose */
    struct db *db;          /* opened lazily by ctx_db() */
    int64_t run_id;         /* xetl.runs row of this invocation, 0 when none */
    struct stage_counts counts; /* what the command did, stored in xetl.runs.counts */
    struct xrange run_range;    /* the range the command covered, for the run log (0 = none) */
    struct xerr err;
};

/* Connects on first use (conninfo by precedence --db > XETL_DB > file > libpq). */
int ctx_db(struct ctx *ctx, struct db **out);

/*
 * Loads the accounts this run covers (the --account filters, else all active
 * ones).  An unknown --account handle is a usage error (64).
 */
int ctx_accounts(struct ctx *ctx, struct account_list *out);

/*
 * Parses --from/--to of a command into a half-open range (common/xtime.h),
 * default_days whole days ending before --as-of's day when absent.
 */
int ctx_range(struct ctx *ctx, const char *from, const char *to, int default_days, struct xrange *r);

/*
 * Standard handling of a command's own options: prints `xetl CMD --help`
 * text for -h and returns 0 through *done, or a usage error.  Each command
 * builds its own getopt_long table; these helpers keep the messages alike.
 */
int cli_usage_error(struct ctx *ctx, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * getopt_long for the commands, with every long option spelled in full: an
 * abbreviation or near miss of a known option returns '?' and is kept (with
 * the options it resembles) for cli_usage_error's "unknown option" message.
 */
struct option;
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *opts);
const char *cli_option_refused(void);

/* "12 requests, 340 rows, 3 fits": the non-zero counters of a stage, or "nothing to do". */
void cli_counts_text(const struct stage_counts *c, char *out, size_t n);
void cli_counts_add(struct stage_counts *sum, const struct stage_counts *c);

/* Prints the most recent runs of the run log as a table on stdout (runs; nightly --status
 * shows only the pipeline's runs). */
int cli_print_runs(struct ctx *ctx, struct db *db, const char *limit, bool pipeline_only);

/*
 * A command that runs one pipeline stage for every account of the run
 * (fit, attribute, learn, health): see cli/stage_cmd.c.
 */
struct stage_cmd {
    const char *name;
    void (*usage)(void);
    int (*run)(struct db *, const struct config *, const struct account *, const struct stage_args *,
               struct stage_counts *, struct xerr *);
    bool ranged;       /* takes --from/--to */
    int default_days;  /* range without --from */
    bool until_as_of;  /* without --to the range ends at --as-of itself, not at the last whole day */
};
int cli_stage_command(struct ctx *ctx, int argc, char **argv, const struct stage_cmd *sc);

/* Command entry points (cli/cmd_*.c). */
int cmd_migrate(struct ctx *ctx, int argc, char **argv);
int cmd_account(struct ctx *ctx, int argc, char **argv);
int cmd_pull(struct ctx *ctx, int argc, char **argv);
int cmd_import(struct ctx *ctx, int argc, char **argv);
int cmd_fit(struct ctx *ctx, int argc, char **argv);
int cmd_validate_decay(struct ctx *ctx, int argc, char **argv);
int cmd_attribute(struct ctx *ctx, int argc, char **argv);
int cmd_learn(struct ctx *ctx, int argc, char **argv);
int cmd_health(struct ctx *ctx, int argc, char **argv);
int cmd_report(struct ctx *ctx, int argc, char **argv);
int cmd_mail(struct ctx *ctx, int argc, char **argv);
int cmd_nightly(struct ctx *ctx, int argc, char **argv);
int cmd_rerun(struct ctx *ctx, int argc, char **argv);
int cmd_runs(struct ctx *ctx, int argc, char **argv);
int cmd_prune(struct ctx *ctx, int argc, char **argv);
int cmd_demo(struct ctx *ctx, int argc, char **argv);

#endif
