/*
 * cli/options.c — getopt_long with whole long option names only.
 *
 * GNU getopt_long takes any unambiguous prefix of a long option, so
 * `report --form 2026-11-01` (meant --from) silently became --format.  xetl
 * runs from cron and scripts, where a misspelt option must fail, not guess:
 * every long option must be spelled in full (docs/interface.md).  A refused
 * name is kept, with the options it resembles, for cli_usage_error().
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static char refused[256];
static char **scanned;

const char *cli_option_refused(void)
{
    return refused[0] ? refused : NULL;
}

/* Edit distance of two short names, transpositions counted once (Damerau). */
static int distance(const char *a, size_t la, const char *b)
{
    size_t lb = strlen(b);
    int d[40][40];
    if (la >= 40 || lb >= 40)
        return 99;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

/* Whether "--name[=v]" is one of opts exactly; sets *takes_arg when it wants the next word. */
static bool known(const char *name, size_t len, const struct option *opts, bool *takes_arg)
{
    for (const struct option *o = opts; o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, name, len)) {
            *takes_arg = o->has_arg == required_argument;
            return true;
        }
    return false;
}

/*
 * Refuses a name that abbreviates or nearly spells known options, naming
 * them; a name like none of them is left to getopt_long, which refuses it.
 */
static bool refuse(const char *word, size_t len, const struct option *opts)
{
    const char *name = word + 2;
    int n = 0, w;
    w = snprintf(refused, sizeof refused, "unknown option '--%.*s' (long options are not abbreviated", (int)len,
                 name);
    for (const struct option *o = opts; o->name && w > 0 && (size_t)w < sizeof refused; o++) {
        size_t ol = strlen(o->name);
        bool prefix = len < ol && !strncmp(o->name, name, len);
        if (!prefix && distance(name, len, o->name) > 2)
            continue;
        w += snprintf(refused + w, sizeof refused - (size_t)w, "%s'--%s'", n ? " or " : "; did you mean ", o->name);
        n++;
    }
    if (w > 0 && (size_t)w < sizeof refused)
        snprintf(refused + w, sizeof refused - (size_t)w, "?)");
    if (!n)
        refused[0] = '\0';
    return n > 0;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *opts)
{
    /* Checked once per argument vector, before getopt permutes it. */
    if (argv != scanned) {
        scanned = argv;
        refused[0] = '\0';
        for (int i = 1; i < argc; i++) {
            const char *a = argv[i];
            bool takes_arg = false;
            if (!strcmp(a, "--"))
                break;
            if (strncmp(a, "--", 2))
                continue;
            size_t len = strcspn(a + 2, "=");
            if (!known(a + 2, len, opts, &takes_arg)) {
                if (refuse(a, len, opts))
                    return '?';
                break; /* getopt_long refuses it in its turn */
            }
            if (takes_arg && !a[2 + len])
                i++; /* its value, whatever it looks like */
        }
    }
    if (refused[0])
        return '?';
    return getopt_long(argc, argv, shortopts, opts, NULL);
}
