/*
 * fuzz_config — the config file parser (common/config.c), every key read back
 * by its type, and the refresh schedule (pull.refresh_schedule, etl/pull.c),
 * both from the file and from the raw input.  Invariants: a parsed schedule
 * has 1..PULL_MAX_TIERS tiers of increasing age, none negative.
 */
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "etl/pull.h"
#include "tests/fuzz/fuzz.h"

static void schedule(const char *s)
{
    struct pull_tier t[PULL_MAX_TIERS];
    int n = 0;
    struct xerr err = { 0 };
    if (pull_parse_schedule(s, t, &n, &err) != 0)
        return;
    FUZZ_CHECK(n >= 1 && n <= PULL_MAX_TIERS);
    for (int i = 0; i < n; i++) {
        FUZZ_CHECK(t[i].age_s >= 0 && t[i].every_s >= 0);
        FUZZ_CHECK(i == 0 || t[i].age_s > t[i - 1].age_s);
    }
    pull_due(t, n, 3600, -1);
    pull_due(t, n, 40 * 86400, 86400);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/xetl-fuzz-config.%ld", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);

    struct config *cfg = config_new();
    struct xerr err = { 0 };
    if (config_load_file(cfg, path, false, &err) == 0) {
        config_validate(cfg, &err);
        for (unsigned i = 0; i < config_keys_count; i++) {
            const struct config_key *k = &config_keys[i];
            long l;
            double d;
            bool b;
            struct xerr e = { 0 };
            if (k->secret)
                continue; /* a _file secret would be read from a path in the input */
            config_get(cfg, k->name);
            config_source(cfg, k->name);
            if (k->type == CFG_INT)
                config_get_long(cfg, k->name, &l, &e);
            else if (k->type == CFG_NUM)
                config_get_double(cfg, k->name, &d, &e);
            else if (k->type == CFG_BOOL)
                config_get_bool(cfg, k->name, &b, &e);
        }
        const char *s = config_get(cfg, "pull.refresh_schedule");
        if (s)
            schedule(s);
    }
    config_free(cfg);
    unlink(path);

    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    schedule(s);
    free(s);
    return 0;
}
