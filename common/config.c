/* common/config.c — see config.h. */
#include "common/config.h"
#include "common/sbuf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct config {
    char **file_val;  /* by key index */
    char **flag_val;
    int *file_line;   /* line of file_val[i] in file_path, for messages */
    char *file_path;
};

static int key_index(const char *key)
{
    for (unsigned i = 0; i < config_keys_count; i++)
        if (strcmp(config_keys[i].name, key) == 0)
            return (int)i;
    return -1;
}

static int key_index_or_abort(const char *key)
{
    int i = key_index(key);
    if (i < 0) {
        fprintf(stderr, "xetl: BUG: config key '%s' is not declared in config_keys.c\n", key);
        abort();
    }
    return i;
}

struct config *config_new(void)
{
    struct config *cfg = xcalloc(1, sizeof *cfg);
    cfg->file_val = xcalloc(config_keys_count, sizeof(char *));
    cfg->flag_val = xcalloc(config_keys_count, sizeof(char *));
    cfg->file_line = xcalloc(config_keys_count, sizeof(int));
    return cfg;
}

void config_free(struct config *cfg)
{
    if (!cfg)
        return;
    for (unsigned i = 0; i < config_keys_count; i++) {
        free(cfg->file_val[i]);
        free(cfg->flag_val[i]);
    }
    free(cfg->file_val);
    free(cfg->flag_val);
    free(cfg->file_line);
    free(cfg->file_path);
    free(cfg);
}

void config_env_name(const char *key, char *out, unsigned n)
{
    unsigned o = (unsigned)snprintf(out, n, "XETL_");
    for (const char *p = key; *p && o + 1 < n; p++)
        out[o++] = (*p == '.' || *p == '-') ? '_' : (char)toupper((unsigned char)*p);
    out[o < n ? o : n - 1] = '\0';
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int config_load_file(struct config *cfg, const char *path, bool missing_ok, struct xerr *err)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int lineno = 0, rc = 0;

    if (!f) {
        if (missing_ok && errno == ENOENT)
            return 0;
        return xerr_set(err, XETL_EX_CONFIG, "cannot open config file '%s': %s", path, strerror(errno));
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        /* A line that does not fit would be read as two: refuse it rather than split it. */
        size_t ll = strlen(line);
        if (ll == sizeof line - 1 && line[ll - 1] != '\n' && !feof(f)) {
            rc = xerr_set(err, XETL_EX_CONFIG, "%s:%d: line longer than %zu bytes", path, lineno,
                          sizeof line - 2);
            break;
        }
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = xerr_set(err, XETL_EX_CONFIG, "%s:%d: expected 'key = value'", path, lineno);
            break;
        }
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        size_t vl = strlen(val);
        if (vl >= 2 && ((val[0] == '"' && val[vl - 1] == '"') || (val[0] == '\'' && val[vl - 1] == '\''))) {
            val[vl - 1] = '\0';
            val++;
        }
        int i = key_index(key);
        if (i < 0) {
            rc = xerr_set(err, XETL_EX_CONFIG, "%s:%d: unknown config key '%s'", path, lineno, key);
            break;
        }
        free(cfg->file_val[i]);
        cfg->file_val[i] = xstrdup(val);
        cfg->file_line[i] = lineno;
    }
    fclose(f);
    free(cfg->file_path);
    cfg->file_path = xstrdup(path);
    return rc;
}

int config_set_flag(struct config *cfg, const char *key, const char *value, struct xerr *err)
{
    int i = key_index(key);
    if (i < 0)
        return xerr_set(err, XETL_EX_USAGE, "unknown setting '%s'", key);
    free(cfg->flag_val[i]);
    cfg->flag_val[i] = xstrdup(value);
    return 0;
}

static const char *lookup(const struct config *cfg, const char *key, const char **source)
{
    int i = key_index_or_abort(key);
    char env[128];
    const char *v;

    if (cfg && cfg->flag_val[i]) {
        *source = "flag";
        return cfg->flag_val[i];
    }
    config_env_name(key, env, sizeof env);
    if ((v = getenv(env)) != NULL && *v) {
        *source = "environment";
        return v;
    }
    if (cfg && cfg->file_val[i]) {
        *source = "file";
        return cfg->file_val[i];
    }
    if (config_keys[i].def) {
        *source = "default";
        return config_keys[i].def;
    }
    *source = "unset";
    return NULL;
}

const char *config_get(const struct config *cfg, const char *key)
{
    const char *src;
    return lookup(cfg, key, &src);
}

const char *config_get_or_default(const struct config *cfg, const char *key)
{
    const char *v = config_get(cfg, key);
    return v && *v ? v : config_default(key);
}

const char *config_default(const char *key)
{
    return config_keys[key_index_or_abort(key)].def;
}

const char *config_source(const struct config *cfg, const char *key)
{
    const char *src;
    lookup(cfg, key, &src);
    return src;
}

/* Only white space left (the value is not modified: it may be the environment's). */
static bool blank(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

/* The key's declared bounds (config_keys.c) are the one place a range is written down. */
static bool in_bounds(const char *key, double x)
{
    const struct config_key *k = &config_keys[key_index_or_abort(key)];
    return !(k->min < k->max) || (x >= k->min && x <= k->max);
}

static int bounds_error(const char *key, const char *src, const char *v, struct xerr *err)
{
    const struct config_key *k = &config_keys[key_index_or_abort(key)];
    return xerr_set(err, XETL_EX_CONFIG, "setting '%s' (from %s) must be between %.15g and %.15g, not '%s'", key,
                    src, k->min, k->max, k->secret ? "<redacted>" : v);
}

int config_get_long(const struct config *cfg, const char *key, long *out, struct xerr *err)
{
    const char *src, *v = lookup(cfg, key, &src);
    char *end;
    if (!v)
        return xerr_set(err, XETL_EX_CONFIG, "setting '%s' is required", key);
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || !blank(end))
        return xerr_set(err, XETL_EX_CONFIG, "setting '%s' (from %s) must be an integer, not '%s'", key, src,
                        config_keys[key_index(key)].secret ? "<redacted>" : v);
    return in_bounds(key, (double)x) ? (*out = x, 0) : bounds_error(key, src, v, err);
}

int config_get_double(const struct config *cfg, const char *key, double *out, struct xerr *err)
{
    const char *src, *v = lookup(cfg, key, &src);
    char *end;
    if (!v)
        return xerr_set(err, XETL_EX_CONFIG, "setting '%s' is required", key);
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || !blank(end) || !isfinite(x))
        return xerr_set(err, XETL_EX_CONFIG, "setting '%s' (from %s) must be a number, not '%s'", key, src, v);
    return in_bounds(key, x) ? (*out = x, 0) : bounds_error(key, src, v, err);
}

int config_get_bool(const struct config *cfg, const char *key, bool *out, struct xerr *err)
{
    const char *src, *v = lookup(cfg, key, &src);
    if (!v)
        return xerr_set(err, XETL_EX_CONFIG, "setting '%s' is required", key);
    if (!strcasecmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"))
        *out = true;
    else if (!strcasecmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off"))
        *out = false;
    else
        return xerr_set(err, XETL_EX_CONFIG, "setting '%s' (from %s) must be true or false, not '%s'", key, src, v);
    return 0;
}

int config_get_secret(const struct config *cfg, const char *key, char **out, struct xerr *err)
{
    char filekey[128];
    const char *v = config_get(cfg, key);

    *out = NULL;
    if (v && *v) {
        *out = xstrdup(v);
        return 0;
    }
    snprintf(filekey, sizeof filekey, "%s_file", key);
    const char *path = config_get(cfg, filekey);
    if (!path || !*path)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return xerr_set(err, XETL_EX_CONFIG, "cannot read %s '%s': %s", filekey, path, strerror(errno));
    struct sbuf sb = SBUF_INIT;
    char chunk[1024];
    size_t n;
    sbuf_init(&sb);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sbuf_add(&sb, chunk, n);
    fclose(f);
    while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
        sb.buf[--sb.len] = '\0';
    if (sb.len == 0) {
        sbuf_release(&sb);
        return xerr_set(err, XETL_EX_CONFIG, "%s '%s' is empty", filekey, path);
    }
    *out = sbuf_detach(&sb);
    return 0;
}

/* Where key i's effective value came from, as a message prefix. */
static void origin(const struct config *cfg, unsigned i, const char *src, char *out, size_t n)
{
    if (!strcmp(src, "file"))
        snprintf(out, n, "%s:%d", cfg->file_path ? cfg->file_path : "config file", cfg->file_line[i]);
    else if (!strcmp(src, "environment"))
        config_env_name(config_keys[i].name, out, (unsigned)n);
    else
        snprintf(out, n, "%s", src);
}

int config_validate(const struct config *cfg, struct xerr *err)
{
    for (unsigned i = 0; i < config_keys_count; i++) {
        const struct config_key *k = &config_keys[i];
        const char *src;
        const char *v = lookup(cfg, k->name, &src);
        char where[512];
        double x = 0;
        char *end;

        if (k->type == CFG_TEXT || !v)
            continue;
        origin(cfg, i, src, where, sizeof where);
        if (k->type == CFG_BOOL) {
            bool b;
            struct xerr ignored = { 0 };
            if (config_get_bool(cfg, k->name, &b, &ignored))
                return xerr_set(err, XETL_EX_CONFIG, "%s: %s must be true or false, not '%s'", where, k->name, v);
            continue;
        }
        errno = 0;
        if (k->type == CFG_INT) {
            long l = strtol(v, &end, 10);
            x = (double)l;
        } else {
            x = strtod(v, &end);
        }
        while (isspace((unsigned char)*end))
            end++;
        if (errno || end == v || *end || !isfinite(x))
            return xerr_set(err, XETL_EX_CONFIG, "%s: %s must be %s, not '%s'", where, k->name,
                            k->type == CFG_INT ? "a whole number" : "a number", v);
        if (k->min < k->max && (x < k->min || x > k->max))
            return xerr_set(err, XETL_EX_CONFIG, "%s: %s must be between %.15g and %.15g, not '%s'", where, k->name,
                            k->min, k->max, v);
    }
    return 0;
}
