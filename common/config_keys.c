/*
 * common/config_keys.c — every setting xetl knows, with its default.
 * docs/configuration.md lists the same keys for people; keep them in step.
 * Environment name: XETL_ + upper-case key with '.' as '_'.
 */
#include "common/config.h"

#include <stddef.h>

const struct config_key config_keys[] = {
    /* connection and credentials */
    { "db", NULL, "libpq conninfo or URI (else libpq's own PG* defaults)", false },
    { "x_api_base", "https://api.x.com", "base URL of the X API v2", false },
    { "x_bearer_token", NULL, "X API bearer token (prefer x_bearer_token_file)", true },
    { "x_bearer_token_file", NULL, "file holding the X API bearer token", false },
    { "x_user_context", "false", "the token is the posting account's user-context token (non-public metrics)", false, CFG_BOOL },
    { "ca_bundle", NULL, "extra CA bundle for TLS verification (verification is never turned off)", false },

    /* pull */
    { "pull.max_rate_limit_wait", "900", "seconds to wait for a rate-limit reset before exiting 75 (0 = fail fast)", false, CFG_INT, 0, 86400 },
    { "pull.retries", "4", "retries of a failed request (5xx, 408, timeout, reset, bad body)", false, CFG_INT, 0, 20 },
    { "pull.backoff_ms", "500", "first retry delay in milliseconds; doubles with jitter", false, CFG_INT, 0, 600000 },
    { "pull.timeout", "30", "seconds before one HTTP request times out", false, CFG_INT, 1, 3600 },
    { "pull.track_days", "30", "posts older than this many days are no longer refreshed", false, CFG_INT, 1, 3660 },
    { "pull.refresh_schedule", "6h:0,48h:3h,7d:12h,30d:24h",
      "AGE:EVERY pairs: posts younger than AGE are refreshed when their last snapshot is older than EVERY", false },
    { "pull.timeline_days", "3", "days of the account timeline scanned for posts the bot did not record", false, CFG_INT, 0, 3660 },

    /* fit */
    { "fit.horizon_hours", "168", "horizon of 'predicted final' values (7 days)", false, CFG_NUM, 1, 8760 },
    { "fit.threads", "0", "worker threads for fitting (0 = one per core)", false, CFG_INT, 0, 1024 },

    /* attribute */
    { "attribute.bootstrap", "200", "bootstrap refits for each post's sign certainty and 5-95 % interval", false, CFG_INT, 0, 100000 },
    { "attribute.seed", "0", "extra seed mixed into the bootstrap RNG (reproducible per as-of)", false, CFG_INT },

    /* learn */
    { "learn.half_life_days", "14", "evidence half-life for the Thompson posteriors", false, CFG_NUM, 0, 36500 },
    { "learn.draws", "10000", "Monte Carlo draws for probability-to-be-best", false, CFG_INT, 10000, 100000000 },
    { "learn.prior_weight", "2", "empirical-Bayes prior weight, in posts", false, CFG_NUM, 0.001, 1000000 },
    { "learn.maturity_hours", "168", "a post counts as evidence once its attribution window has matured", false, CFG_NUM, 0, 87600 },
    { "learn.success_followers", "1", "success rule: a post succeeds when it gains at least this many followers", false, CFG_NUM, -1e9, 1e9 },
    { "learn.min_posts", "5", "effective posts below which an arm is exploratory (never called best)", false, CFG_NUM, 0, 1000000 },

    /* health: the cost model (all USD; unset means unknown, never zero) */
    { "cost.x_api_monthly_usd", NULL, "X API plan, USD per month", false, CFG_NUM, 0, 1e12 },
    { "cost.x_api_per_request_usd", NULL, "X API cost per request, USD", false, CFG_NUM, 0, 1e12 },
    { "cost.llm_per_post_usd", NULL, "LLM cost per post when generation_metadata.cost_usd is absent", false, CFG_NUM, 0, 1e12 },
    { "cost.infra_monthly_usd", NULL, "infrastructure, USD per month", false, CFG_NUM, 0, 1e12 },
    { "value.per_follower_usd", NULL, "what one new follower is worth, USD (for ROI)", false, CFG_NUM, 0, 1e12 },

    /* report and mail */
    /* retention (xetl prune) */
    { "retention.raw_responses_days", "0", "raw X responses older than this many days are dropped by xetl prune (0 = keep)", false, CFG_INT, 0, 36500 },
    { "retention.snapshots_days", "0", "snapshots of posts older than this many days are thinned by xetl prune (0 = keep; else at least 97)", false, CFG_INT, 0, 36500 },

    { "report.out", "./reports-out", "directory for report files", false },
    { "report.format", "csv,xlsx", "report formats", false },
    { "report.days", "7", "default report range in whole days before --as-of", false, CFG_INT, 1, 3660 },
    { "smtp_url", NULL, "smtps://host:465 or smtp://host:587 (STARTTLS required)", false },
    { "smtp_user", NULL, "SMTP user", false },
    { "smtp_password", NULL, "SMTP password (prefer smtp_password_file)", true },
    { "smtp_password_file", NULL, "file holding the SMTP password", false },
    { "smtp_insecure", "false", "allow plain SMTP without TLS to a non-loopback host", false, CFG_BOOL },
    { "mail_from", NULL, "sender address", false },
    { "mail_to", NULL, "comma-separated recipients; nightly mails the reports when set", false },
    { "mail.retries", "3", "retries of a temporary SMTP failure", false, CFG_INT, 0, 20 },
    { "mail.backoff_ms", "2000", "first delay before retrying a temporary SMTP failure (doubles each retry)", false, CFG_INT, 0, 600000 },
    { "report.rollup", "false", "nightly also writes (and mails) the agency roll-up across all accounts", false, CFG_BOOL },
    { "mail.timeout", "120", "seconds one SMTP attempt may take, the wait after the final dot included", false, CFG_INT, 1, 3600 },
    { "report.file_mode", "0640", "octal mode of the report files written (owner and group read them)", false },
    { "pull.concurrency", "4", "X API requests of one pull in flight at once (over reused connections)", false, CFG_INT, 1, 64 },
    { "nightly.jobs", "1", "accounts nightly and rerun run at once, each in its own process and database session", false, CFG_INT, 1, 64 },
};

const unsigned config_keys_count = sizeof config_keys / sizeof config_keys[0];
