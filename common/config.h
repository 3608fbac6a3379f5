/*
 * common/config.h — settings with one precedence rule everywhere:
 * command-line flag > environment > config file > built-in default.
 *
 * Every key is declared in common/config_keys.c (name, default, help).  The
 * environment variable of key "pull.max_wait" is XETL_PULL_MAX_WAIT.  A key
 * in the file that is not declared is a configuration error (exit 78), so a
 * typo never silently falls back to a default.
 */
#ifndef XETL_CONFIG_H
#define XETL_CONFIG_H

#include <stdbool.h>
#include "common/xerr.h"

enum config_type { CFG_TEXT = 0, CFG_INT, CFG_NUM, CFG_BOOL };

struct config_key {
    const char *name;     /* "pull.max_wait" */
    const char *def;      /* default as text, NULL for none */
    const char *help;     /* one line for docs and `xetl --help-config` */
    bool secret;          /* never logged or printed */
    enum config_type type;
    double min, max;      /* inclusive bounds of CFG_INT/CFG_NUM, checked when min < max */
};

extern const struct config_key config_keys[];
extern const unsigned config_keys_count;

struct config;

struct config *config_new(void);
void config_free(struct config *cfg);

/* Reads a `key = value` file (# comments, blank lines).  missing_ok: no error if absent. */
int config_load_file(struct config *cfg, const char *path, bool missing_ok, struct xerr *err);
/*
 * Checks every typed setting's effective value (type and bounds) so a bad
 * value stops the program at start-up, naming where it came from
 * ("xetl.conf:12: ..." or "XETL_REPORT_DAYS: ..."), not hours later in the
 * stage that reads it.
 */
int config_validate(const struct config *cfg, struct xerr *err);
/* Sets a value from a command-line flag (highest precedence). */
int config_set_flag(struct config *cfg, const char *key, const char *value, struct xerr *err);

/* The value by precedence, or NULL.  Unknown key names are a programming error (abort). */
const char *config_get(const struct config *cfg, const char *key);
/*
 * The value by precedence, or the key's declared default (config_keys.c)
 * when it is set but empty ("report.out =" in a file): for settings that
 * cannot be empty, so no caller repeats the default.
 */
const char *config_get_or_default(const struct config *cfg, const char *key);
/* A key's declared default (config_keys.c), NULL when it has none: for help texts. */
const char *config_default(const char *key);
/* Where the value came from: "flag", "environment", "file", "default" or "unset". */
const char *config_source(const struct config *cfg, const char *key);

/* Typed values; out of the key's declared bounds (config_keys.c) is an error (78). */
int config_get_long(const struct config *cfg, const char *key, long *out, struct xerr *err);
int config_get_double(const struct config *cfg, const char *key, double *out, struct xerr *err);
int config_get_bool(const struct config *cfg, const char *key, bool *out, struct xerr *err);

/*
 * A secret such as the bearer token: KEY from flag/env/file, else the
 * contents of the file named by KEY_file (trailing newline stripped).
 * *out is malloc'd (caller frees) or NULL when neither is set.
 */
int config_get_secret(const struct config *cfg, const char *key, char **out, struct xerr *err);

/* The environment variable name of a key ("XETL_PULL_MAX_WAIT"). */
void config_env_name(const char *key, char *out, unsigned n);

#endif
