/*
 * cli/counts.c — a stage's done line lists what it did, not seven zeros.
 */
#include "cli/cli.h"

#include <stdio.h>

void cli_counts_text(const struct stage_counts *c, char *out, size_t n)
{
    const struct {
        long v;
        const char *one, *many;
    } k[] = {
        { c->requests, "request", "requests" }, { c->rows, "row", "rows" },
        { c->rejects, "reject", "rejects" },    { c->fits, "fit", "fits" },
        { c->attributions, "attribution", "attributions" },
        { c->reports, "file", "files" },        { c->warnings, "warning", "warnings" },
    };
    size_t w = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof k / sizeof k[0] && w < n; i++) {
        if (!k[i].v)
            continue;
        int m = snprintf(out + w, n - w, "%s%ld %s", w ? ", " : "", k[i].v, k[i].v == 1 ? k[i].one : k[i].many);
        if (m < 0)
            break;
        w += (size_t)m;
    }
    if (!out[0])
        snprintf(out, n, "nothing to do");
}

void cli_counts_add(struct stage_counts *sum, const struct stage_counts *c)
{
    sum->requests += c->requests;
    sum->rows += c->rows;
    sum->rejects += c->rejects;
    sum->fits += c->fits;
    sum->attributions += c->attributions;
    sum->reports += c->reports;
    sum->warnings += c->warnings;
    sum->cpu_ms += c->cpu_ms;
}
