/*
 * cli/cmd_learn.c — `xetl learn`: performance aggregates and Thompson
 * posteriors for every account of the run (etl/learn.h, docs/learning.md).
 */
#include "cli/cli.h"
#include "etl/learn.h"

#include <stdio.h>

static void usage(void)
{
    printf("xetl learn — performance aggregates and Thompson posteriors\n\n"
           "Usage:\n  xetl [--account H] [--as-of T] learn\n\n"
           "Recomputes content_type_performance, formula_performance and hook_performance\n"
           "from the posts whose 168 h follower attribution has matured by --as-of, with a\n"
           "Gamma-Poisson posterior per arm on followers per post (thompson_alpha = shape,\n"
           "thompson_beta = rate in effective posts) and selection_score = the probability\n"
           "that the arm is best (seeded Monte Carlo: the same --as-of gives the same scores).\n"
           "Writes one learning_updates row per component.  Running it twice with the same\n"
           "--as-of changes nothing.\n\n"
           "Settings: learn.half_life_days, learn.draws, learn.prior_weight,\n"
           "learn.maturity_hours, learn.success_followers (docs/learning.md).\n\n"
           "Options:\n"
           "  -h, --help    show this help, then exit\n");
}

int cmd_learn(struct ctx *ctx, int argc, char **argv)
{
    static const struct stage_cmd sc = {
        .name = "learn", .usage = usage, .run = learn_run, .ranged = false, .default_days = 0, .until_as_of = false,
    };
    return cli_stage_command(ctx, argc, argv, &sc);
}
