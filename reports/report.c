/*
 * reports/report.c — gathers the ROI report of one account and range, and
 * writes it through reports/csv_out.c and reports/xlsx.c (see report.h).
 *
 * Every table comes from one query whose numbers are rounded in SQL, so the
 * CSV bytes are exactly what PostgreSQL prints and two runs on the same data
 * give the same files.  Every ORDER BY ends on a unique key, with text keys
 * in the "C" collation so the order does not depend on the server's locale.
 */
#include "reports/report.h"
#include "reports/csv_out.h"
#include "reports/xlsx.h"

#include "common/config.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "etl/db.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HEAT_DAYS 90

/* ---------------------------------------------------------------- columns */

static const struct rcol summary_cols[] = {
    { "section", "Section", RC_TEXT, 18 },
    { "rank", "Rank", RC_INT, 6 },
    { "item", "Metric", RC_TEXT, 30 },
    { "basis", "Basis", RC_TEXT, 34 },
    { "unit", "Unit", RC_UNIT, 7 },
    { "current", "This period", RC_NUM, 14 },
    { "previous", "Previous period", RC_NUM, 14 },
    { "change", "Change", RC_NUM, 12 },
    { "change_pct", "Change %", RC_PCT, 10 },
    { "posts", "Posts (evidence)", RC_INT, 10 },
    { "followers_per_post", "Followers per post (evidence)", RC_NUM, 12 },
    { "note", "Note", RC_TEXT, 50 },
};
enum { S_SECTION, S_RANK, S_ITEM, S_BASIS, S_UNIT, S_CUR, S_PREV, S_CHANGE, S_CHANGE_PCT, S_POSTS, S_FPP,
       S_NOTE, S_NCOLS };

static const struct rcol posts_cols[] = {
    { "tweet_id", "Tweet id", RC_ID, 21 },
    { "posted_at", "Posted (UTC)", RC_TIME, 17 },
    { "kind", "Kind", RC_TEXT, 7 },
    { "status", "Status", RC_TEXT, 8 },
    { "content_type", "Content type", RC_TEXT, 14 },
    { "formula", "Formula", RC_TEXT, 14 },
    { "hook", "Hook", RC_TEXT, 14 },
    { "text", "Text", RC_TEXT, 40 },
    /* Printed, the 22 columns go in three readable groups, id and time repeated on each. */
    { "impressions_lifetime", "Impressions (lifetime)", RC_INT, 12, true },
    { "likes_lifetime", "Likes (lifetime)", RC_INT, 9 },
    { "retweets_lifetime", "Reposts (lifetime)", RC_INT, 9 },
    { "replies_lifetime", "Replies (lifetime)", RC_INT, 9 },
    { "quotes_lifetime", "Quotes (lifetime)", RC_INT, 9 },
    { "bookmarks_lifetime", "Bookmarks (lifetime)", RC_INT, 10 },
    { "engagement_rate_lifetime", "Engagement rate (lifetime)", RC_PCT, 11 },
    { "half_life_minutes", "Half-life (min)", RC_INT, 9, true },
    { "predicted_likes_7d", "Predicted likes at 7 d", RC_INT, 10 },
    { "actual_likes_7d", "Actual likes at 7 d", RC_INT, 10 },
    { "prediction_accuracy", "Prediction accuracy", RC_PCT, 10 },
    { "followers_attributed_7d", "Followers attributed (7 d)", RC_INT, 11 },
    { "attribution_confidence", "Attribution confidence", RC_PCT, 11 },
    { "attribution_method", "Attribution method", RC_TEXT, 18 },
};

static const char posts_sql[] =
    "SELECT p.tweet_id,"
    "       to_char(p.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    "       p.kind, p.status,"
    "       coalesce(nullif(p.content_type_name, ''), t.content_type),"
    "       coalesce(nullif(p.viral_formula, ''), t.viral_formula),"
    "       coalesce(nullif(p.hook_used, ''), t.hook_used),"
    "       p.text,"
    "       t.impressions, t.likes, t.retweets, t.replies, t.quotes, t.bookmarks,"
    "       round(CASE WHEN t.impressions > 0 THEN (coalesce(t.likes, 0) + coalesce(t.retweets, 0)"
    "             + coalesce(t.replies, 0))::numeric / t.impressions END, 6),"
    "       t.half_life_minutes, t.predicted_likes, round(pa.actual_7d)::bigint,"
    "       round(t.prediction_accuracy, 4),"
    "       fa.followers_gained, round(fa.confidence_score, 4), fa.attribution_method"
    "  FROM xetl.posts p"
    "  LEFT JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id"
    /* The 7-day likes the accuracy was scored against (empty until day 7). */
    "  LEFT JOIN LATERAL (SELECT x.actual_7d FROM xetl.predictions x"
    "                      WHERE x.account_id = p.account_id AND x.tweet_id = p.tweet_id AND x.metric = 'likes' AND x.actual_7d IS NOT NULL"
    "                      ORDER BY x.as_of DESC LIMIT 1) pa ON true"
    "  LEFT JOIN follower_attributions fa ON fa.account_id = p.account_id AND fa.tweet_id = p.tweet_id AND fa.time_window_hours = 168"
    " WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3"
    " ORDER BY p.posted_at, length(p.tweet_id), p.tweet_id COLLATE \"C\"";

static const struct rcol group_cols[] = {
    { "name", "Name", RC_TEXT, 24 },
    { "posts_in_period", "Posts published in period", RC_INT, 11 },
    { "impressions_lifetime", "Impressions (lifetime of posts in period)", RC_INT, 14 },
    { "engagement_rate_lifetime", "Engagement rate (lifetime of posts in period)", RC_PCT, 14 },
    { "followers_attributed_7d", "Followers attributed (7 d, posts in period)", RC_INT, 14 },
    { "followers_per_post_7d", "Followers per post (7 d, posts in period)", RC_NUM, 14 },
    { "learned_posts", "Matured posts (learning)", RC_INT, 11 },
    { "learned_followers_per_post", "Followers per post (learning)", RC_NUM, 12 },
    { "learned_engagement_rate", "Engagement rate (learning)", RC_PCT, 12 },
    { "thompson_alpha", "Learning: weighted followers (alpha)", RC_NUM, 12 },
    { "thompson_beta", "Learning: weighted posts (beta)", RC_NUM, 12 },
    { "selection_score", "Chance of being the best (selection score)", RC_PCT, 13 },
    { "note", "Note", RC_TEXT, 40 },
};
enum { G_NAME, G_POSTS, G_FPP = 5, G_LEARNED = 6, G_NOTE = 12, G_NCOLS };

/* %1$s: expression of the key on posts p / tac t; %2$s: performance table; %3$s: its name column. */
static const char group_sql_fmt[] =
    "WITH per AS ("
    "  SELECT coalesce(%1$s, '(none)') AS name, count(*) AS posts,"
    "         sum(coalesce(t.impressions, 0)) AS impressions,"
    "         sum(coalesce(t.likes, 0) + coalesce(t.retweets, 0) + coalesce(t.replies, 0)) AS eng,"
    "         sum(fa.followers_gained) AS followers, count(fa.followers_gained) AS n_attr"
    "    FROM xetl.posts p"
    "    LEFT JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id"
    "    LEFT JOIN follower_attributions fa ON fa.account_id = p.account_id AND fa.tweet_id = p.tweet_id AND fa.time_window_hours = 168"
    "   WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3"
    "   GROUP BY 1),"
    " learn AS ("
    "  SELECT %3$s AS name, posts_count, avg_followers_per_post, avg_engagement_rate,"
    "         thompson_alpha, thompson_beta, selection_score"
    "    FROM %2$s WHERE account_id = $1)"
    " SELECT coalesce(per.name, learn.name), per.posts, per.impressions,"
    "        round(CASE WHEN per.impressions > 0 THEN per.eng::numeric / per.impressions END, 6),"
    "        per.followers,"
    "        round(CASE WHEN per.n_attr > 0 THEN per.followers::numeric / per.n_attr END, 2),"
    "        learn.posts_count, round(learn.avg_followers_per_post, 2),"
    "        round(learn.avg_engagement_rate, 6), round(learn.thompson_alpha, 4),"
    "        round(learn.thompson_beta, 4), round(learn.selection_score, 4)"
    "   FROM per FULL JOIN learn ON learn.name = per.name"
    "  ORDER BY learn.selection_score DESC NULLS LAST, per.posts DESC NULLS LAST,"
    "           coalesce(per.name, learn.name) COLLATE \"C\"";

static const struct rcol attribution_cols[] = {
    { "tweet_id", "Tweet id", RC_ID, 21 },
    { "posted_at", "Posted (UTC)", RC_TIME, 17 },
    { "window_hours", "Window (hours)", RC_INT, 9 },
    { "followers_before", "Followers before", RC_INT, 11 },
    { "followers_after", "Followers after", RC_INT, 11 },
    { "followers_attributed", "Followers attributed", RC_INT, 11 },
    { "confidence", "Confidence", RC_PCT, 11 },
    { "method", "Method", RC_TEXT, 20 },
    { "retention_rate", "Retention rate", RC_PCT, 10 },
};

static const char attribution_sql[] =
    "SELECT fa.tweet_id,"
    "       to_char(p.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    "       round(fa.time_window_hours)::int, fa.followers_before, fa.followers_after,"
    "       fa.followers_gained, round(fa.confidence_score, 4), fa.attribution_method,"
    "       round(fa.follower_retention_rate, 4)"
    "  FROM follower_attributions fa JOIN xetl.posts p ON p.account_id = fa.account_id AND p.tweet_id = fa.tweet_id"
    " WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3"
    " ORDER BY p.posted_at, length(fa.tweet_id), fa.tweet_id COLLATE \"C\", fa.time_window_hours";

static const struct rcol daily_cols[] = {
    { "day", "Day (UTC)", RC_DATE, 11 },
    { "followers_end_of_day", "Followers (end of day)", RC_INT, 11 },
    { "followers_change", "Follower change (activity)", RC_INT, 11 },
    { "new_follows", "New follows (export)", RC_INT, 10 },
    { "unfollows", "Unfollows (export)", RC_INT, 10 },
    { "posts_published", "Posts published", RC_INT, 10 },
    { "impressions_lifetime", "Impressions (lifetime of posts published that day)", RC_INT, 14 },
    { "engagement_rate_lifetime", "Engagement rate (lifetime of posts published that day)", RC_PCT, 14 },
    { "posting_success_rate", "Posting success rate", RC_PCT, 10 },
    { "api_success_rate", "API success rate", RC_PCT, 10 },
    { "cost_usd", "Cost (USD)", RC_USD, 10 },
    { "cost_per_follower_usd", "Cost per follower (USD)", RC_USD_PER, 11 },
    { "roi", "ROI", RC_PCT, 10 },
};

static const char daily_sql[] =
    "WITH days AS ("
    "  SELECT d::date AS day FROM generate_series(date_trunc('day', $2::timestamptz),"
    "         $3::timestamptz - interval '1 second', interval '1 day') d),"
    " pub AS ("
    "  SELECT p.posted_at::date AS day, count(*) AS posts, sum(coalesce(t.impressions, 0)) AS impressions,"
    "         sum(coalesce(t.likes, 0) + coalesce(t.retweets, 0) + coalesce(t.replies, 0)) AS eng"
    "    FROM xetl.posts p LEFT JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id"
    "   WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3 GROUP BY 1),"
    " h AS ("
    "  SELECT day, max(posting_success_rate) AS psr, max(api_success_rate) AS asr,"
    "         max(coalesce((metrics_snapshot#>>'{cost,total_usd}')::numeric, daily_api_cost_usd)) AS cost,"
    "         max(cost_per_follower_usd) AS cpf, max(roi) AS roi"
    "    FROM system_health_metrics WHERE account_id = $1 GROUP BY day)"
    " SELECT to_char(days.day, 'YYYY-MM-DD'), fe.n, fe.n - fs.n, df.new_follows, df.unfollows,"
    "        coalesce(pub.posts, 0), pub.impressions,"
    "        round(CASE WHEN pub.impressions > 0 THEN pub.eng::numeric / pub.impressions END, 6),"
    "        round(h.psr, 4), round(h.asr, 4), round(h.cost, 2), round(h.cpf, 4), round(h.roi, 4)"
    "   FROM days"
    "   LEFT JOIN LATERAL (SELECT followers_count AS n FROM xetl.follower_samples s"
    "                       WHERE s.account_id = $1 AND s.sampled_at <= days.day + 1"
    "                       ORDER BY s.sampled_at DESC, s.source COLLATE \"C\" LIMIT 1) fe ON true"
    "   LEFT JOIN LATERAL (SELECT followers_count AS n FROM xetl.follower_samples s"
    "                       WHERE s.account_id = $1 AND s.sampled_at <= days.day"
    "                       ORDER BY s.sampled_at DESC, s.source COLLATE \"C\" LIMIT 1) fs ON true"
    "   LEFT JOIN xetl.daily_follows df ON df.account_id = $1 AND df.day = days.day"
    "   LEFT JOIN pub ON pub.day = days.day"
    "   LEFT JOIN h ON h.day = days.day"
    "  ORDER BY days.day";

/*
 * The headline figures of two periods, one row per metric.  $4 is the start
 * of the previous period, $5 the value of one follower (NULL when unknown).
 */
static const char headline_sql[] =
    "WITH per(k, f, t) AS (VALUES ('cur', $2::timestamptz, $3::timestamptz),"
    "                             ('prev', $4::timestamptz, $2::timestamptz)),"
    " hd AS ("
    "  SELECT h.day, max(coalesce((h.metrics_snapshot#>>'{cost,total_usd}')::numeric, h.daily_api_cost_usd)) AS cost,"
    "         bool_or(h.metrics_snapshot#>>'{cost,complete}' = 'false'"
    "                 AND h.metrics_snapshot#>>'{cost,total_usd}' IS NOT NULL) AS partial"
    "    FROM system_health_metrics h WHERE h.account_id = $1 GROUP BY h.day),"
    " m AS ("
    "  SELECT per.k,"
    "   (SELECT followers_count FROM xetl.follower_samples s WHERE s.account_id = $1"
    "     AND s.sampled_at >= per.f AND s.sampled_at <= per.t"
    "     ORDER BY s.sampled_at DESC, s.source COLLATE \"C\" LIMIT 1) AS f_end,"
    "   coalesce((SELECT followers_count FROM xetl.follower_samples s WHERE s.account_id = $1"
    "              AND s.sampled_at <= per.f ORDER BY s.sampled_at DESC, s.source COLLATE \"C\" LIMIT 1),"
    "            (SELECT followers_count FROM xetl.follower_samples s WHERE s.account_id = $1"
    "              AND s.sampled_at >= per.f AND s.sampled_at <= per.t"
    "              ORDER BY s.sampled_at, s.source COLLATE \"C\" LIMIT 1)) AS f_start,"
    "   (SELECT count(*) FROM xetl.posts p WHERE p.account_id = $1"
    "     AND p.posted_at >= per.f AND p.posted_at < per.t) AS posts,"
    "   (SELECT sum(coalesce(t.likes, 0) + coalesce(t.retweets, 0) + coalesce(t.replies, 0))::numeric"
    "           / nullif(sum(coalesce(t.impressions, 0)), 0)"
    "      FROM xetl.posts p JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id"
    "     WHERE p.account_id = $1 AND p.posted_at >= per.f AND p.posted_at < per.t) AS er,"
    "   (SELECT avg(t.prediction_accuracy)"
    "      FROM xetl.posts p JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id"
    "     WHERE p.account_id = $1 AND p.posted_at >= per.f AND p.posted_at < per.t) AS acc,"
    "   (SELECT count(t.prediction_accuracy)"
    "      FROM xetl.posts p JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id"
    "     WHERE p.account_id = $1 AND p.posted_at >= per.f AND p.posted_at < per.t) AS acc_n,"
    "   (SELECT sum(fa.followers_gained) FROM xetl.posts p"
    "      JOIN follower_attributions fa ON fa.account_id = p.account_id AND fa.tweet_id = p.tweet_id AND fa.time_window_hours = 168"
    "     WHERE p.account_id = $1 AND p.posted_at >= per.f AND p.posted_at < per.t) AS attributed,"
    "   (SELECT sum(hd.cost) FROM hd WHERE hd.day >= per.f::date AND hd.day < per.t::date) AS cost,"
    "   (SELECT count(*) FROM hd WHERE hd.day >= per.f::date AND hd.day < per.t::date"
    "       AND hd.cost IS NOT NULL) AS cost_days,"
    "   (SELECT count(*) FROM hd WHERE hd.day >= per.f::date AND hd.day < per.t::date"
    "       AND hd.partial) AS partial_days,"
    "   (per.t::date - per.f::date) AS days"
    "  FROM per),"
    " v AS ("
    /* A period's cost is compared only when every one of its days has one:
       a sum over the few days health happened to cover is not a period's cost. */
    "  SELECT m.*, (m.f_end - m.f_start)::numeric AS fg,"
    "         CASE WHEN m.cost_days = m.days AND m.partial_days = 0 THEN m.cost END AS cost_full FROM m),"
    " c AS (SELECT * FROM v WHERE k = 'cur'),"
    " p AS (SELECT * FROM v WHERE k = 'prev'),"
    " rows AS ("
    "  SELECT r.* FROM c, p, LATERAL (VALUES"
    "   (1, 'followers gained', 'activity in the period', 'count', c.fg, p.fg,"
    "    CASE WHEN c.f_end IS NULL THEN 'no follower samples in the period' END),"
    "   (2, 'cost', 'activity in the period', 'usd', round(c.cost, 2), round(p.cost_full, 2),"
    "    CASE WHEN c.cost IS NULL THEN 'no data: no cost computed (set cost.* and run xetl health)'"
    "         WHEN c.partial_days > 0 THEN 'partial: some cost parts not configured on '"
    "              || c.partial_days || ' of ' || c.days || ' days'"
    "         WHEN c.cost_days < c.days THEN 'cost known for ' || c.cost_days || ' of ' || c.days || ' days' END),"
    /* Per follower and ROI only from a whole cost: a partial one would flatter them. */
    "   (3, 'cost per follower', 'activity in the period', 'usd',"
    "    round(c.cost_full / CASE WHEN c.fg > 0 THEN c.fg END, 4),"
    "    round(p.cost_full / CASE WHEN p.fg > 0 THEN p.fg END, 4),"
    "    CASE WHEN c.cost IS NULL THEN 'no data: cost unknown'"
    "         WHEN c.cost_full IS NULL THEN 'no data: the cost is not known for every part and day'"
    "         WHEN coalesce(c.fg, 0) <= 0 THEN 'undefined: no followers gained' END),"
    "   (4, 'ROI', 'activity in the period', 'ratio',"
    "    round((c.fg * $5::numeric - c.cost_full) / nullif(c.cost_full, 0), 4),"
    "    round((p.fg * $5::numeric - p.cost_full) / nullif(p.cost_full, 0), 4),"
    "    CASE WHEN $5::numeric IS NULL THEN 'no data: value.per_follower_usd not set'"
    "         WHEN c.cost IS NULL THEN 'no data: cost unknown'"
    "         WHEN c.cost_full IS NULL THEN 'no data: the cost is not known for every part and day'"
    "         ELSE '(followers gained x ' || $5::numeric || ' USD - cost) / cost' END),"
    "   (5, 'posts published', 'activity in the period', 'count', c.posts::numeric, p.posts::numeric, NULL),"
    "   (6, 'engagement rate', 'lifetime of posts published in the period', 'ratio',"
    "    round(c.er, 6), round(p.er, 6),"
    "    CASE WHEN c.er IS NULL THEN 'no data: no impressions' ELSE '(likes + reposts + replies) / impressions' END),"
    "   (7, 'followers attributed to posts', 'lifetime of posts published in the period (7 d)', 'count',"
    "    c.attributed::numeric, p.attributed::numeric,"
    "    CASE WHEN c.attributed IS NULL THEN 'no data: attribution not run'"
    "         WHEN c.attributed > c.fg THEN 'more than the net gain: it counts these posts'' whole 7 days"
    " and leaves out the baseline, which was negative (churn)' END),"
    "   (8, 'prediction accuracy', 'lifetime of posts published in the period', 'ratio',"
    "    round(c.acc, 4), round(p.acc, 4),"
    "    CASE WHEN c.acc IS NULL THEN 'no data: no 7-day prediction scored yet'"
    "         ELSE 'over the ' || c.acc_n || ' posts whose 7-day likes are known, scoring the forecast available at 24 h of age: mean of"
    " (min(predicted, actual) + 1) / (max(predicted, actual) + 1)' END)"
    "   ) r(ord, item, basis, unit, cur, prev, note))"
    " SELECT ord, item, basis, unit, cur, prev, cur - prev,"
    "        round((cur - prev) / nullif(abs(prev), 0), 4), note"
    "   FROM rows ORDER BY ord";

/*
 * How well fit's 7-day predictions did, by the post's age when they were
 * made: the median APE of the 7-day likes over the predictions whose post
 * completed its seventh day in the period (the previous period beside it).
 */
static const char prediction_sql[] =
    "WITH per(k, f, t) AS (VALUES ('cur', $2::timestamptz, $3::timestamptz),"
    "                             ('prev', $4::timestamptz, $2::timestamptz)),"
    " b(ord, label, lo, hi) AS (VALUES (1, '0-4 h', 0, 4), (2, '4-24 h', 4, 24), (3, '24-48 h', 24, 48),"
    "                                  (4, '48 h-7 d', 48, 168)),"
    " x AS ("
    "  SELECT per.k, b.ord, b.label,"
    "         percentile_cont(0.5) WITHIN GROUP (ORDER BY q.ape) AS med, count(q.ape) AS n"
    "    FROM per CROSS JOIN b"
    "    LEFT JOIN (SELECT pr.ape, pr.age_hours, p.posted_at FROM xetl.predictions pr"
    "                JOIN xetl.posts p ON p.account_id = pr.account_id AND p.tweet_id = pr.tweet_id"
    "               WHERE pr.account_id = $1 AND pr.metric = 'likes' AND pr.ape IS NOT NULL) q"
    "      ON q.age_hours >= b.lo AND q.age_hours < b.hi"
    "     AND q.posted_at + interval '7 days' >= per.f AND q.posted_at + interval '7 days' < per.t"
    "   GROUP BY per.k, b.ord, b.label)"
    " SELECT c.ord, '7-day likes predicted at ' || c.label,"
    "        round(c.med::numeric, 4), round(p.med::numeric, 4),"
    "        round((c.med - p.med)::numeric, 4), round(((c.med - p.med) / nullif(p.med, 0))::numeric, 4),"
    "        CASE WHEN c.n = 0 THEN 'no data: no prediction made at this age was scored in the period'"
    "             ELSE 'median APE over ' || c.n || ' prediction' || CASE WHEN c.n > 1 THEN 's' ELSE '' END"
    "                  || '; lower is better' END,"
    "        c.n"
    "   FROM x c JOIN x p ON p.ord = c.ord AND p.k = 'prev' WHERE c.k = 'cur' ORDER BY c.ord";

/* Best and worst arms of one learning table: name, score, posts, followers per post. */
static const char arms_sql_fmt[] =
    "SELECT %2$s, round(selection_score, 4), posts_count, round(avg_followers_per_post, 2)"
    "  FROM %1$s WHERE account_id = $1 AND selection_score IS NOT NULL"
    "   AND exploratory IS NOT TRUE" /* too little evidence: never listed as best (docs/learning.md) */
    " ORDER BY selection_score DESC, %2$s COLLATE \"C\"";

static const char heat_sql[] =
    "SELECT extract(isodow FROM p.posted_at)::int - 1, extract(hour FROM p.posted_at)::int,"
    "       avg(fa.followers_gained)::float8, count(*)"
    "  FROM xetl.posts p"
    "  JOIN follower_attributions fa ON fa.account_id = p.account_id AND fa.tweet_id = p.tweet_id AND fa.time_window_hours = 168"
    " WHERE p.account_id = $1 AND p.posted_at >= $2::timestamptz - $3::int * interval '1 day'"
    "   AND p.posted_at < $2"
    " GROUP BY 1, 2";

static const char curves_sql[] =
    "SELECT p.tweet_id, coalesce(p.text, ''),"
    "       (d->>'A')::float8, (d->>'c_h')::float8, (d->>'theta')::float8"
    "  FROM xetl.posts p JOIN tweet_analytics_comprehensive t ON t.account_id = p.account_id AND t.tweet_id = p.tweet_id,"
    "       LATERAL (SELECT t.analytics_metadata->'decay'->'likes' AS d) x"
    " WHERE p.account_id = $1 AND p.posted_at >= $2 AND p.posted_at < $3"
    "   AND jsonb_typeof(d->'A') = 'number' AND jsonb_typeof(d->'c_h') = 'number'"
    "   AND jsonb_typeof(d->'theta') = 'number'"
    " ORDER BY t.likes DESC NULLS LAST, p.posted_at, length(p.tweet_id), p.tweet_id COLLATE \"C\""
    " LIMIT 5";

static const double curve_ages[REPORT_CURVE_AGES] = { 0, 1, 2, 4, 6, 8, 12, 18, 24, 36, 48, 72, 96, 120, 144, 168 };

/* ---------------------------------------------------------------- tables */

static void rtab_init(struct rtab *t, const struct rcol *cols, int ncols)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->ncols = ncols;
}

static void rtab_release(struct rtab *t)
{
    if (t->cells) {
        for (long i = 0; i < (long)t->nrows * t->ncols; i++)
            free(t->cells[i]);
        free(t->cells);
    }
    t->cells = NULL;
    t->nrows = 0;
    t->cap_rows = 0;
}

/* Appends one row; vals[c] NULL = no value.  Values are copied. */
static void rtab_add_row(struct rtab *t, const char *const *vals)
{
    if (t->nrows == t->cap_rows) {
        t->cap_rows = t->cap_rows ? t->cap_rows * 2 : 16;
        t->cells = xrealloc(t->cells, sizeof *t->cells * (size_t)t->cap_rows * (size_t)t->ncols);
    }
    for (int c = 0; c < t->ncols; c++) {
        t->cells[(long)t->nrows * t->ncols + c] = vals[c] ? xstrdup(vals[c]) : NULL;
        t->nonnull[c] += vals[c] != NULL;
    }
    t->nrows++;
}

static int rtab_query(struct db *db, const char *sql, int nparams, const char *const *params,
                      struct rtab *t, struct xerr *err)
{
    PGresult *res = db_exec(db, sql, nparams, params, err);
    const char *vals[32];
    if (!res)
        return err->code;
    if (PQnfields(res) != t->ncols || t->ncols > 32) {
        int got = PQnfields(res);
        PQclear(res);
        return xerr_set(err, XETL_EX_SOFTWARE, "report query returned %d columns, expected %d", got, t->ncols);
    }
    for (int r = 0; r < PQntuples(res); r++) {
        for (int c = 0; c < t->ncols; c++)
            vals[c] = db_str(res, r, c);
        rtab_add_row(t, vals);
    }
    PQclear(res);
    return 0;
}

/*
 * A streamed table: only its row count and the values per column (the
 * workbook's notes on blank columns need them before the first row) are
 * read now, by a count over the same query; the rows are read again by each
 * writer.  The query's last, top-level ORDER BY is left out of the count.
 */
static int rtab_stream(struct db *db, const char *sql, int nparams, const char *const *params, struct rtab *t,
                       struct xerr *err)
{
    struct sbuf q = SBUF_INIT;
    const char *order = NULL;
    PGresult *res;

    for (const char *o = strstr(sql, " ORDER BY "); o; o = strstr(o + 1, " ORDER BY "))
        order = o;
    sbuf_init(&q);
    sbuf_adds(&q, "SELECT count(*)");
    for (int c = 0; c < t->ncols; c++)
        sbuf_addf(&q, ", count(c%d)", c);
    sbuf_addf(&q, " FROM (%.*s) q(", (int)(order ? order - sql : (long)strlen(sql)), sql);
    for (int c = 0; c < t->ncols; c++)
        sbuf_addf(&q, "%sc%d", c ? ", " : "", c);
    sbuf_adds(&q, ")");
    res = db_exec(db, q.buf, nparams, params, err);
    sbuf_release(&q);
    if (!res)
        return err->code;
    t->nrows = (int)db_long(res, 0, 0, 0);
    for (int c = 0; c < t->ncols; c++)
        t->nonnull[c] = db_long(res, 0, c + 1, 0);
    PQclear(res);
    t->db = db;
    t->sql = sql;
    t->nparams = nparams;
    t->params = params;
    return 0;
}

int rtab_rows_open(struct rtab_rows *r, const struct rtab *t, struct xerr *err)
{
    memset(r, 0, sizeof *r);
    r->t = t;
    if (!t->sql || t->nrows == 0)
        return 0;
    return db_rows_open(t->db, t->sql, t->nparams, t->params, &r->it, err);
}

int rtab_rows_next(struct rtab_rows *r, struct xerr *err)
{
    const struct rtab *t = r->t;
    if (r->row >= t->nrows)
        return 0;
    if (!t->sql) {
        for (int c = 0; c < t->ncols; c++)
            r->vals[c] = rtab_cell(t, r->row, c);
        r->row++;
        return 1;
    }
    const struct db_res *res;
    int rc = db_rows_next(r->it, &res, err);
    if (rc != 1)
        return rc;
    if (db_ncols(res) != t->ncols)
        return xerr_set(err, XETL_EX_SOFTWARE, "report query returned %d columns, expected %d", db_ncols(res),
                        t->ncols);
    for (int c = 0; c < t->ncols; c++)
        r->vals[c] = db_get_text(res, 0, c);
    r->row++;
    if (t->tee && (rc = t->tee(t->tee_arg, r->vals, err)))
        return rc;
    return 1;
}

void rtab_rows_close(struct rtab_rows *r)
{
    db_rows_close(r->it);
    r->it = NULL;
}

static long cell_long(const char *s)
{
    return s ? strtol(s, NULL, 10) : 0;
}

/*
 * One group table (content types, formulas, hooks) in the query's order,
 * then its small groups (fewer than REPORT_MIN_POSTS posts in the period)
 * moved to the end with a note saying how few: the workbook colours and
 * charts only the rows above them, so two lucky posts never look like a winner.
 */
static int group_query(struct db *db, const char *sql, const char *const *p3, struct rtab *t, struct xerr *err)
{
    struct rtab q;
    const char *vals[G_NCOLS];
    char note[160];
    int rc;

    rtab_init(&q, t->cols, G_NCOLS - 1);
    if ((rc = rtab_query(db, sql, 3, p3, &q, err))) {
        rtab_release(&q);
        return rc;
    }
    for (int pass = 0; pass < 2; pass++)
        for (int r = 0; r < q.nrows; r++) {
            long n = cell_long(rtab_cell(&q, r, G_POSTS));
            bool small = n < REPORT_MIN_POSTS;
            if (small != (pass == 1))
                continue;
            for (int c = 0; c < G_NCOLS - 1; c++)
                vals[c] = rtab_cell(&q, r, c);
            vals[G_NOTE] = NULL;
            if (small) {
                snprintf(note, sizeof note, "few posts: %ld in the period (fewer than %d), not ranked or coloured", n,
                         REPORT_MIN_POSTS);
                vals[G_NOTE] = note;
            }
            rtab_add_row(t, vals);
        }
    rtab_release(&q);
    return 0;
}

/* Best and worst three arms of one learning table as summary rows. */
static int add_arms(struct db *db, const char *table, const char *name_col, const char *what,
                    const char *const *params, struct rtab *s, struct xerr *err)
{
    char sql[1024];
    char best[64], worst[64];
    const char *vals[S_NCOLS];
    PGresult *res;
    int n, nbest, nworst;

    snprintf(sql, sizeof sql, arms_sql_fmt, table, name_col);
    if (!(res = db_exec(db, sql, 1, params, err)))
        return err->code;
    /* Only arms with enough matured posts are ranked; the others are named once, below. */
    int all = PQntuples(res), *idx = xcalloc((size_t)all + 1, sizeof *idx), nsmall = 0;
    struct sbuf small = SBUF_INIT;
    sbuf_init(&small);
    n = 0;
    for (int r = 0; r < all; r++) {
        if (cell_long(db_str(res, r, 2)) >= REPORT_MIN_POSTS) {
            idx[n++] = r;
        } else {
            sbuf_addf(&small, "%s%s (%s)", nsmall ? ", " : "", db_str(res, r, 0) ? db_str(res, r, 0) : "?",
                      db_str(res, r, 2) ? db_str(res, r, 2) : "0");
            nsmall++;
        }
    }
    nbest = n < 3 ? n : 3;
    nworst = n - nbest < 3 ? n - nbest : 3;
    snprintf(best, sizeof best, "best %s", what);
    snprintf(worst, sizeof worst, "worst %s", what);
    memset(vals, 0, sizeof vals);
    vals[S_BASIS] = "learning (matured posts, all time)";
    vals[S_UNIT] = "score";
    for (int i = 0; i < nbest + nworst; i++) {
        /* Worst are listed worst first: the last rows of the descending order. */
        int row = idx[i < nbest ? i : n - 1 - (i - nbest)];
        char rank[8];
        snprintf(rank, sizeof rank, "%d", i < nbest ? i + 1 : i - nbest + 1);
        vals[S_SECTION] = i < nbest ? best : worst;
        vals[S_RANK] = rank;
        vals[S_ITEM] = db_str(res, row, 0);
        vals[S_CUR] = db_str(res, row, 1);
        vals[S_POSTS] = db_str(res, row, 2);
        vals[S_FPP] = db_str(res, row, 3);
        vals[S_NOTE] = NULL; /* what the score means is said once, in the workbook's legend */
        rtab_add_row(s, vals);
    }
    memset(vals, 0, sizeof vals);
    vals[S_BASIS] = "learning (matured posts, all time)";
    vals[S_UNIT] = "score";
    const char *none = all == 0 ? "no data: xetl learn has not scored any yet"
                                : "no data: none has enough matured posts to rank yet";
    if (n == 0) {
        vals[S_SECTION] = best;
        vals[S_NOTE] = none;
        rtab_add_row(s, vals);
    }
    if (nworst == 0) {
        vals[S_SECTION] = worst;
        vals[S_NOTE] = n == 0 ? none : "no data: 3 or fewer scored, all listed as best";
        rtab_add_row(s, vals);
    }
    if (nsmall) {
        char sec[80], note[96];
        snprintf(sec, sizeof sec, "not ranked %s", what);
        snprintf(note, sizeof note, "fewer than %d matured posts each (posts in brackets): too few to rank",
                 REPORT_MIN_POSTS);
        vals[S_SECTION] = sec;
        vals[S_ITEM] = small.buf;
        vals[S_NOTE] = note;
        rtab_add_row(s, vals);
    }
    sbuf_release(&small);
    free(idx);
    PQclear(res);
    return 0;
}

static int gather_summary(struct db *db, const struct config *cfg, struct report_data *d,
                          const char *const *p3, struct xerr *err)
{
    char prev_from[40], vbuf[64];
    const char *value = config_get(cfg, "value.per_follower_usd");
    const char *params[5] = { p3[0], p3[1], p3[2], prev_from, NULL };
    const char *vals[S_NCOLS];
    PGresult *res;
    int rc;

    if (value && *value) {
        double v;
        if ((rc = config_get_double(cfg, "value.per_follower_usd", &v, err)))
            return rc;
        params[4] = db_fmt_double(vbuf, sizeof vbuf, v);
    }
    db_fmt_time(prev_from, sizeof prev_from, d->prev.from);
    if (!(res = db_exec(db, headline_sql, 5, params, err)))
        return err->code;
    memset(vals, 0, sizeof vals);
    for (int r = 0; r < PQntuples(res); r++) {
        vals[S_SECTION] = "headline";
        vals[S_RANK] = db_str(res, r, 0);
        vals[S_ITEM] = db_str(res, r, 1);
        vals[S_BASIS] = db_str(res, r, 2);
        vals[S_UNIT] = db_str(res, r, 3);
        vals[S_CUR] = db_str(res, r, 4);
        vals[S_PREV] = db_str(res, r, 5);
        vals[S_CHANGE] = db_str(res, r, 6);
        vals[S_CHANGE_PCT] = db_str(res, r, 7);
        vals[S_NOTE] = db_str(res, r, 8);
        rtab_add_row(&d->summary, vals);
    }
    PQclear(res);
    if (!(res = db_exec(db, prediction_sql, 4, params, err)))
        return err->code;
    for (int r = 0; r < PQntuples(res); r++) {
        memset(vals, 0, sizeof vals);
        vals[S_SECTION] = "prediction quality";
        vals[S_RANK] = db_str(res, r, 0);
        vals[S_ITEM] = db_str(res, r, 1);
        vals[S_BASIS] = "posts whose 7th day ended in the period";
        vals[S_UNIT] = "ratio";
        vals[S_CUR] = db_str(res, r, 2);
        vals[S_PREV] = db_str(res, r, 3);
        vals[S_CHANGE] = db_str(res, r, 4);
        vals[S_CHANGE_PCT] = db_str(res, r, 5);
        vals[S_NOTE] = db_str(res, r, 6);
        vals[S_POSTS] = db_str(res, r, 7);
        rtab_add_row(&d->summary, vals);
    }
    PQclear(res);
    if ((rc = add_arms(db, "content_type_performance", "content_type_name", "content types", params,
                       &d->summary, err)))
        return rc;
    if ((rc = add_arms(db, "formula_performance", "formula_name", "formulas", params, &d->summary, err)))
        return rc;
    return add_arms(db, "hook_performance", "hook_used", "hooks", params, &d->summary, err);
}

static int gather_heat(struct db *db, struct report_data *d, const char *const *p3, struct xerr *err)
{
    char days[16];
    const char *params[3] = { p3[0], p3[2], days };
    PGresult *res;

    for (int i = 0; i < 7; i++)
        for (int h = 0; h < 24; h++) {
            d->heat[i][h] = NAN;
            d->heat_n[i][h] = 0;
        }
    d->heat_days = HEAT_DAYS;
    snprintf(days, sizeof days, "%d", HEAT_DAYS);
    if (!(res = db_exec(db, heat_sql, 3, params, err)))
        return err->code;
    for (int r = 0; r < PQntuples(res); r++) {
        long dow = db_long(res, r, 0, -1), hour = db_long(res, r, 1, -1);
        if (dow < 0 || dow > 6 || hour < 0 || hour > 23)
            continue;
        d->heat[dow][hour] = db_double(res, r, 2, NAN);
        d->heat_n[dow][hour] = (int)db_long(res, r, 3, 0);
    }
    PQclear(res);
    return 0;
}

/* The Lomax cumulative curve of the fit contract: N(t) = A (1 - (1 + t/c)^-theta). */
static double lomax(double a, double c_h, double theta, double t)
{
    return a * (1.0 - pow(1.0 + t / c_h, -theta));
}

static int gather_curves(struct db *db, struct report_data *d, const char *const *p3, struct xerr *err)
{
    PGresult *res = db_exec(db, curves_sql, 3, p3, err);
    if (!res)
        return err->code;
    for (int i = 0; i < REPORT_CURVE_AGES; i++)
        d->curve_age_h[i] = curve_ages[i];
    d->n_curves = 0;
    for (int r = 0; r < PQntuples(res) && d->n_curves < REPORT_CURVE_POSTS; r++) {
        double a = db_double(res, r, 2, NAN), c = db_double(res, r, 3, NAN), th = db_double(res, r, 4, NAN);
        const char *text = db_str(res, r, 1);
        int k = d->n_curves;
        size_t len;
        if (!(isfinite(a) && isfinite(c) && isfinite(th) && a > 0 && c > 0 && th > 0))
            continue;
        /* Label: the first words of the post, cut on a UTF-8 boundary. */
        snprintf(d->curve_label[k], sizeof d->curve_label[k], "%.28s", text);
        len = strlen(d->curve_label[k]);
        while (len > 0 && ((unsigned char)d->curve_label[k][len - 1] & 0xC0) == 0x80)
            len--;
        if (len > 0 && (unsigned char)d->curve_label[k][len - 1] >= 0xC0)
            len--;
        d->curve_label[k][len] = '\0';
        for (char *q = d->curve_label[k]; *q; q++)
            if (*q == '\n' || *q == '\r' || *q == '\t')
                *q = ' ';
        if (strlen(text) > len)
            snprintf(d->curve_label[k] + len, sizeof d->curve_label[k] - len, "...");
        if (!d->curve_label[k][0])
            snprintf(d->curve_label[k], sizeof d->curve_label[k], "%s", db_str(res, r, 0));
        for (int i = 0; i < REPORT_CURVE_AGES; i++)
            d->curve[i][k] = lomax(a, c, th, curve_ages[i]);
        d->n_curves++;
    }
    PQclear(res);
    return 0;
}

/* Followers gained since the start of the period by each day's end, from a daily table. */
static void gain_series(const struct rtab *daily, double *out, int n)
{
    double start = NAN;
    for (int i = 0; i < n; i++) {
        out[i] = NAN;
        if (i >= daily->nrows)
            continue;
        const char *end = rtab_cell(daily, i, 1), *chg = rtab_cell(daily, i, 2);
        if (i == 0 && end && chg)
            start = strtod(end, NULL) - strtod(chg, NULL);
        if (end && isfinite(start))
            out[i] = strtod(end, NULL) - start;
    }
}

/* The trend chart's two lines: this period and the previous one, day by day. */
static int gather_gain(struct db *db, struct report_data *d, const char *const *p3, struct xerr *err)
{
    char pf[40], pt[40];
    const char *pp[3] = { p3[0], db_fmt_time(pf, sizeof pf, d->prev.from), db_fmt_time(pt, sizeof pt, d->prev.to) };
    struct rtab prev;
    int rc;

    d->n_gain = d->daily.nrows;
    d->gain_cur = xcalloc((size_t)d->n_gain + 1, sizeof *d->gain_cur);
    d->gain_prev = xcalloc((size_t)d->n_gain + 1, sizeof *d->gain_prev);
    rtab_init(&prev, daily_cols, (int)(sizeof daily_cols / sizeof daily_cols[0]));
    if ((rc = rtab_query(db, daily_sql, 3, pp, &prev, err)) == 0) {
        gain_series(&d->daily, d->gain_cur, d->n_gain);
        gain_series(&prev, d->gain_prev, d->n_gain);
    }
    rtab_release(&prev);
    return rc;
}

void report_base_name(const char *handle, const struct xrange *r, char *out, size_t n)
{
    char f[16], t[16];
    xtime_format_date(r->from, f, sizeof f);
    /* TO is inclusive: the day holding the last second of the range. */
    xtime_format_date(r->to - 1, t, sizeof t);
    snprintf(out, n, "xetl-roi-%s-%s_%s", handle, f, t);
}

int report_gather(struct db *db, const struct config *cfg, const struct account *acct,
                  const struct stage_args *a, struct report_data *d, struct xerr *err)
{
    char sql[4096];
    const char *const *p3 = d->q_params;
    int rc;

    memset(d, 0, sizeof *d);
    d->q_params[0] = d->q_id;
    d->q_params[1] = d->q_from;
    d->q_params[2] = d->q_to;
    d->acct = *acct;
    d->range = a->range;
    d->prev.to = a->range.from;
    d->prev.from = a->range.from - (a->range.to - a->range.from);
    d->as_of = a->as_of;
    xtime_format_date(a->range.from, d->from_date, sizeof d->from_date);
    xtime_format_date(a->range.to - 1, d->to_date, sizeof d->to_date);
    report_base_name(acct->handle, &a->range, d->base, sizeof d->base);
    rtab_init(&d->summary, summary_cols, S_NCOLS);
    rtab_init(&d->posts, posts_cols, (int)(sizeof posts_cols / sizeof posts_cols[0]));
    rtab_init(&d->content_types, group_cols, (int)(sizeof group_cols / sizeof group_cols[0]));
    rtab_init(&d->formulas, group_cols, (int)(sizeof group_cols / sizeof group_cols[0]));
    rtab_init(&d->hooks, group_cols, (int)(sizeof group_cols / sizeof group_cols[0]));
    rtab_init(&d->attribution, attribution_cols, (int)(sizeof attribution_cols / sizeof attribution_cols[0]));
    rtab_init(&d->daily, daily_cols, (int)(sizeof daily_cols / sizeof daily_cols[0]));

    if (a->range.to <= a->range.from)
        return xerr_set(err, XETL_EX_USAGE, "report: empty range");
    snprintf(d->q_id, sizeof d->q_id, "%lld", (long long)acct->id);
    db_fmt_time(d->q_from, sizeof d->q_from, a->range.from);
    db_fmt_time(d->q_to, sizeof d->q_to, a->range.to);

    if ((rc = gather_summary(db, cfg, d, p3, err)))
        goto out;
    if ((rc = rtab_stream(db, posts_sql, 3, p3, &d->posts, err)))
        goto out;
    snprintf(sql, sizeof sql, group_sql_fmt, "nullif(p.content_type_name, ''), nullif(t.content_type, '')",
             "content_type_performance", "content_type_name");
    if ((rc = group_query(db, sql, p3, &d->content_types, err)))
        goto out;
    snprintf(sql, sizeof sql, group_sql_fmt, "nullif(p.viral_formula, ''), nullif(t.viral_formula, '')",
             "formula_performance", "formula_name");
    if ((rc = group_query(db, sql, p3, &d->formulas, err)))
        goto out;
    snprintf(sql, sizeof sql, group_sql_fmt, "nullif(p.hook_used, ''), nullif(t.hook_used, '')",
             "hook_performance", "hook_used");
    if ((rc = group_query(db, sql, p3, &d->hooks, err)))
        goto out;
    if ((rc = rtab_stream(db, attribution_sql, 3, p3, &d->attribution, err)))
        goto out;
    if ((rc = rtab_query(db, daily_sql, 3, p3, &d->daily, err)))
        goto out;
    if ((rc = gather_gain(db, d, p3, err)))
        goto out;
    if ((rc = gather_heat(db, d, p3, err)))
        goto out;
    rc = gather_curves(db, d, p3, err);
out:
    if (rc)
        xerr_prefix(err, "report '%s': ", acct->handle);
    return rc;
}

void report_data_release(struct report_data *d)
{
    free(d->gain_cur);
    free(d->gain_prev);
    d->gain_cur = d->gain_prev = NULL;
    d->n_gain = 0;
    rtab_release(&d->summary);
    rtab_release(&d->posts);
    rtab_release(&d->content_types);
    rtab_release(&d->formulas);
    rtab_release(&d->hooks);
    rtab_release(&d->attribution);
    rtab_release(&d->daily);
}

/* ---------------------------------------------------------------- files */

/* This host's name for temp files: another host sharing report.out has its own PIDs. */
static void tmp_host(char *out, size_t n)
{
    if (gethostname(out, n - 1) != 0 || !*out)
        snprintf(out, n, "localhost");
    out[n - 1] = '\0';
    for (char *c = out; *c; c++)
        if (*c == '/')
            *c = '_';
}

void report_tmp_name(const char *final_path, char *out, size_t n)
{
    const char *slash = strrchr(final_path, '/');
    char host[256];
    tmp_host(host, sizeof host);
    if (slash)
        snprintf(out, n, "%.*s/.%s.tmp-%s-%ld", (int)(slash - final_path), final_path, slash + 1, host,
                 (long)getpid());
    else
        snprintf(out, n, ".%s.tmp-%s-%ld", final_path, host, (long)getpid());
}

int report_io_code(int e)
{
    /* A full disk or a file size limit is the machine's state, not a bug in xetl. */
    if (e == ENOSPC || e == EFBIG || e == EDQUOT)
        return XETL_EX_IOERR;
    /* A path that names a file, a missing or read-only place: the operator's to fix (73). */
    if (e == EACCES || e == EPERM || e == ENOENT || e == ENOTDIR || e == EISDIR || e == EEXIST || e == EROFS ||
        e == ENAMETOOLONG || e == ELOOP)
        return XETL_EX_CANTCREAT;
    return XETL_EX_SOFTWARE;
}

int report_io_error(struct xerr *err, int e, const char *what, const char *path)
{
    if (report_io_code(e) == XETL_EX_IOERR)
        return xerr_set(err, XETL_EX_IOERR, "cannot %s '%s': %s (disk full or file size limit; no report was "
                        "written under that name)", what, path, strerror(e));
    return xerr_set(err, report_io_code(e), "cannot %s '%s': %s", what, path, strerror(e));
}

int report_tmp_open(const char *final_path, char *tmp, size_t n, struct xerr *err)
{
    char prefix[4096];
    int fd;

    /*
     * A fresh name that nobody can have planted: mkostemp opens it with
     * O_CREAT|O_EXCL (a symlink or file already there is refused, never
     * followed) and mode 0600 until report_commit_file() sets the final mode.
     */
    report_tmp_name(final_path, prefix, sizeof prefix);
    if ((size_t)snprintf(tmp, n, "%s.XXXXXX", prefix) >= n)
        return -xerr_set(err, XETL_EX_SOFTWARE, "path too long: '%s'", final_path);
    if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
        return -report_io_error(err, errno, "create", tmp);
    return fd;
}

int report_commit_file(const char *tmp_path, const char *final_path, mode_t mode, struct xerr *err)
{
    char dir[4096];
    int fd;

    /* The data must be on disk before the name points at it. */
    if ((fd = open(tmp_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return xerr_set(err, XETL_EX_SOFTWARE, "cannot open '%s': %s", tmp_path, strerror(errno));
    if (fchmod(fd, mode)) {
        int e = errno;
        close(fd);
        return xerr_set(err, XETL_EX_SOFTWARE, "cannot set the mode of '%s': %s", tmp_path, strerror(e));
    }
    if (fsync(fd)) {
        int e = errno;
        close(fd);
        return report_io_error(err, e, "sync", final_path);
    }
    close(fd);
    if (rename(tmp_path, final_path))
        return xerr_set(err, XETL_EX_SOFTWARE, "cannot rename '%s' to '%s': %s", tmp_path, final_path,
                        strerror(errno));
    snprintf(dir, sizeof dir, "%s", final_path);
    /* The rename itself must survive a crash: sync the directory (best effort). */
    if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    return 0;
}

int report_sweep_tmp(const char *dir)
{
    DIR *dh = opendir(dir);
    struct dirent *e;
    char host[256], path[4096];
    size_t hl;
    int removed = 0;
    /* Housekeeping, not a result: files untouched this long are no live writer's. */
    time_t stale_before = time(NULL) - REPORT_TMP_STALE_S;

    if (!dh)
        return 0;
    tmp_host(host, sizeof host);
    hl = strlen(host);
    while ((e = readdir(dh)) != NULL) {
        const char *n = e->d_name, *t, *p;
        char *end;
        struct stat st;
        if (strncmp(n, ".xetl-roi-", 10) || !(t = strstr(n, ".tmp-")))
            continue;
        p = t + 5;
        /* ".tmp-HOST-PID", or ".tmp-PID" from versions before the host was added */
        if (!strncmp(p, host, hl) && p[hl] == '-')
            p += hl + 1;
        long pid = strtol(p, &end, 10);
        /* ".PID.XXXXXX": mkostemp's suffix since temp names became unguessable */
        if (end[0] == '.' && strlen(end) == 7)
            end += 7;
        if (*end || end == p || pid <= 0 || pid == (long)getpid())
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, n);
        /*
         * Both a dead PID and an old file: a container sharing this host name
         * (and report.out) has PIDs of its own, but its live writer keeps its
         * file fresh.
         */
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        if (stat(path, &st) != 0 || st.st_mtime >= stale_before)
            continue;
        if (unlink(path) == 0)
            removed++;
    }
    closedir(dh);
    return removed;
}

int report_file_mode(const struct config *cfg, mode_t *mode, struct xerr *err)
{
    const char *s = cfg ? config_get(cfg, "report.file_mode") : NULL;
    char *end;
    long m;

    if (!s || !*s) {
        *mode = REPORT_FILE_MODE;
        return 0;
    }
    errno = 0;
    m = strtol(s, &end, 8);
    if (errno || *end || end == s || m < 0 || m > 0777)
        return xerr_set(err, XETL_EX_CONFIG, "report.file_mode '%s' is not an octal file mode such as 0640", s);
    *mode = (mode_t)m;
    return 0;
}

/*
 * Reports hold the account's numbers: say so when anyone on the machine may
 * add, remove or replace files where they are written (a sticky directory
 * such as /tmp still lets others plant names, so it is named too).
 */
static void warn_shared_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH))
        log_warn("report.out '%s' is writable by every user (mode %04o); use a directory only xetl's user and "
                 "the report readers can write", dir, (unsigned)(st.st_mode & 07777));
}

static int mkdir_p(const char *path, struct xerr *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return xerr_set(err, XETL_EX_USAGE, "bad output directory '%s'", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) && errno != EEXIST)
                return report_io_error(err, errno, "create output directory", buf);
            buf[i] = c;
        }
    }
    /* It may exist as something else: say so before a temp file fails inside it. */
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return xerr_set(err, XETL_EX_CANTCREAT, "output directory '%s' exists and is not a directory", path);
    if (access(path, W_OK | X_OK) != 0)
        return xerr_set(err, XETL_EX_CANTCREAT, "cannot write in output directory '%s': %s", path, strerror(errno));
    return 0;
}

/* A file written: its path for the caller, one more for the run's counts. */
static void files_add(struct report_files *f, const char *path, struct stage_counts *counts)
{
    f->paths = xrealloc(f->paths, sizeof *f->paths * (size_t)(f->n + 1));
    f->paths[f->n++] = xstrdup(path);
    if (counts)
        counts->reports++;
}

void report_files_release(struct report_files *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->paths[i]);
    free(f->paths);
    f->paths = NULL;
    f->n = 0;
}

int report_parse_formats(const char *s, struct report_opts *opts, struct xerr *err)
{
    char buf[128];
    char *save = NULL;
    opts->csv = opts->xlsx = false;
    snprintf(buf, sizeof buf, "%s", s ? s : "");
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        if (!strcmp(tok, "csv"))
            opts->csv = true;
        else if (!strcmp(tok, "xlsx"))
            opts->xlsx = true;
        else
            return xerr_set(err, XETL_EX_USAGE, "unknown report format '%s' (csv, xlsx)", tok);
    }
    if (!opts->csv && !opts->xlsx)
        return xerr_set(err, XETL_EX_USAGE, "no report format given (csv, xlsx)");
    return 0;
}

static int tee_csv(void *arg, const char *const *vals, struct xerr *err)
{
    return csvout_row(arg, vals, err);
}

int report_generate(struct db *db, const struct config *cfg, const struct account *acct,
                    const struct stage_args *a, const struct report_opts *opts,
                    struct report_files *files, struct stage_counts *counts, struct xerr *err)
{
    static const char *const csv_suffix[] = { "summary", "posts", "content_types", "formulas", "hooks",
                                              "daily" };
    struct report_data d;
    struct csvout *posts_csv = NULL;
    char path[4096], posts_path[4096];
    int rc, posts_at = 0;

    /*
     * One read-only snapshot for the gathering and the writing: the streamed
     * tables are counted first and read again as they are written, so both
     * must see the same rows.  JIT compiling these one-shot queries costs
     * more than it saves (about a second of a 20,000-post report): off for
     * the report's queries only (SET LOCAL ends with the transaction).
     */
    memset(&d, 0, sizeof d);
    if ((rc = db_cmd(db, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0, NULL, NULL, err)))
        return rc;
    if ((rc = db_cmd(db, "SET LOCAL jit = off", 0, NULL, NULL, err)))
        goto out;
    if ((rc = report_gather(db, cfg, acct, a, &d, err)))
        goto out;
    if ((rc = report_file_mode(cfg, &d.file_mode, err)))
        goto out;
    if ((rc = mkdir_p(opts->out_dir, err)))
        goto out;
    warn_shared_dir(opts->out_dir);
    int swept = report_sweep_tmp(opts->out_dir);
    if (swept)
        log_info("report '%s': removed %d temporary file%s left by a killed run", acct->handle, swept,
                 swept == 1 ? "" : "s");
    if (opts->csv) {
        const struct rtab *tabs[] = { &d.summary, &d.posts, &d.content_types, &d.formulas, &d.hooks,
                                      &d.daily };
        for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
            snprintf(path, sizeof path, "%s/%s-%s.csv", opts->out_dir, d.base, csv_suffix[i]);
            /* With the workbook too, the posts CSV is written from the workbook's read of the rows. */
            if (tabs[i] == &d.posts && opts->xlsx) {
                if ((rc = csvout_open(&d.posts, path, d.file_mode, &posts_csv, err)))
                    goto out;
                snprintf(posts_path, sizeof posts_path, "%s", path);
                posts_at = files->n;
                d.posts.tee = tee_csv;
                d.posts.tee_arg = posts_csv;
                continue;
            }
            if ((rc = csvout_write(tabs[i], path, d.file_mode, err)))
                goto out;
            files_add(files, path, counts);
        }
    }
    if (opts->xlsx) {
        snprintf(path, sizeof path, "%s/%s.xlsx", opts->out_dir, d.base);
        if ((rc = xlsx_write(&d, path, err)))
            goto out;
        if (posts_csv) {
            rc = csvout_close(posts_csv, true, err);
            posts_csv = NULL;
            if (rc)
                goto out;
            files_add(files, posts_path, counts);
            /* Listed in its place among the CSVs, as when written on its own. */
            char *p = files->paths[files->n - 1];
            memmove(files->paths + posts_at + 1, files->paths + posts_at,
                    sizeof *files->paths * (size_t)(files->n - 1 - posts_at));
            files->paths[posts_at] = p;
        }
        files_add(files, path, counts);
    }
    log_info("report '%s' %s..%s: %d posts", acct->handle, d.from_date, d.to_date, d.posts.nrows);
    rc = db_commit(db, err);
out:
    csvout_close(posts_csv, false, err);
    if (rc)
        db_rollback(db);
    report_data_release(&d);
    return rc;
}

int report_run(struct db *db, const struct config *cfg, const struct account *acct,
               const struct stage_args *a, struct stage_counts *counts, struct xerr *err)
{
    struct report_opts opts = { .out_dir = config_get(cfg, "report.out") };
    struct report_files files = { NULL, 0 };
    int rc;

    if (!opts.out_dir || !*opts.out_dir)
        opts.out_dir = "./reports-out";
    if ((rc = report_parse_formats(config_get(cfg, "report.format"), &opts, err)))
        return rc;
    rc = report_generate(db, cfg, acct, a, &opts, &files, counts, err);
    report_files_release(&files);
    return rc;
}

/* ---------------------------------------------------------------- the agency roll-up */

static const struct rcol rollup_cols[] = {
    { "section", "Section", RC_TEXT, 18 },
    { "rank", "Rank", RC_INT, 6 },
    { "name", "Account or name", RC_TEXT, 22 },
    { "accounts", "Accounts (evidence)", RC_INT, 10 },
    { "posts", "Posts in period (evidence)", RC_INT, 10 },
    { "followers_gained", "Followers gained", RC_INT, 11 },
    { "followers_gained_previous", "Followers gained, previous period", RC_INT, 12 },
    { "followers_change", "Change in followers gained", RC_INT, 11 },
    { "cost_usd", "Cost (USD)", RC_USD, 11 },
    { "cost_per_follower_usd", "Cost per follower (USD)", RC_USD_PER, 11 },
    { "roi", "ROI", RC_PCT, 10 },
    { "roi_previous", "ROI, previous period", RC_PCT, 10 },
    { "followers_attributed_7d", "Followers attributed (7 d)", RC_INT, 11 },
    { "followers_per_post_7d", "Followers per post (7 d)", RC_NUM, 11 },
    { "trend", "Trend (followers gained)", RC_TEXT, 34 },
    { "note", "Note", RC_TEXT, 60 },
};
enum { R_SECTION, R_RANK, R_NAME, R_ACCOUNTS, R_POSTS, R_FG, R_FG_PREV, R_FG_CHANGE, R_COST, R_CPF, R_ROI,
       R_ROI_PREV, R_ATTR, R_FPP, R_TREND, R_NOTE, R_NCOLS };

/*
 * Content types, formulas or hooks across the accounts: the five with the
 * most followers per post among those with at least $4 posts attributed.
 * %1$s: the key on posts p / tac t.
 */
static const char rollup_group_sql_fmt[] =
    "SELECT %1$s, count(DISTINCT p.account_id), count(*), sum(fa.followers_gained),"
    "       round(sum(fa.followers_gained)::numeric / nullif(count(fa.followers_gained), 0), 2),"
    "       count(fa.followers_gained), string_agg(DISTINCT a.handle, ', ' ORDER BY a.handle)"
    "  FROM xetl.posts p JOIN xetl.accounts a ON a.account_id = p.account_id"
    "  LEFT JOIN tweet_analytics_comprehensive t ON t.tweet_id = p.tweet_id"
    "  LEFT JOIN follower_attributions fa ON fa.tweet_id = p.tweet_id AND fa.time_window_hours = 168"
    " WHERE p.account_id = ANY($1::bigint[]) AND p.posted_at >= $2 AND p.posted_at < $3 AND %1$s IS NOT NULL"
    " GROUP BY 1 HAVING count(fa.followers_gained) >= $4::int"
    " ORDER BY 5 DESC NULLS LAST, 4 DESC NULLS LAST, %1$s COLLATE \"C\" LIMIT 5";

struct board_row {
    const struct account *acct;
    char *v[R_NCOLS]; /* owned copies, NULL = no value */
    bool cost_complete;
    double fg; bool has_fg;
};

static int board_cmp(const void *x, const void *y)
{
    const struct board_row *a = x, *b = y;
    if (a->has_fg != b->has_fg)
        return a->has_fg ? -1 : 1;
    if (a->has_fg && a->fg != b->fg)
        return a->fg > b->fg ? -1 : 1;
    return strcmp(a->acct->handle, b->acct->handle);
}

static char *dupnum(int places, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", places, v);
    return xstrdup(buf);
}

/* "up 120 (+15.2 %) on the previous period" from two follower gains. */
static char *trend_text(const char *cur, const char *prev)
{
    char buf[128];
    if (!cur)
        return xstrdup("no data: no follower samples in the period");
    if (!prev)
        return xstrdup("no previous period to compare");
    double c = strtod(cur, NULL), p = strtod(prev, NULL), d = c - p;
    if (d == 0)
        return xstrdup("flat on the previous period");
    if (p != 0)
        snprintf(buf, sizeof buf, "%s %.0f (%+.1f %%) on the previous period", d > 0 ? "up" : "down", fabs(d),
                 100.0 * d / fabs(p));
    else
        snprintf(buf, sizeof buf, "%s %.0f on the previous period", d > 0 ? "up" : "down", fabs(d));
    return xstrdup(buf);
}

/* One account's leaderboard row, from the same headline query as its own report. */
static int board_account(struct db *db, const char *const *params, struct board_row *b, struct xerr *err)
{
    PGresult *res = db_exec(db, headline_sql, 5, params, err);
    if (!res)
        return err->code;
    for (int r = 0; r < PQntuples(res); r++) {
        long ord = db_long(res, r, 0, 0);
        const char *cur = db_str(res, r, 4), *prev = db_str(res, r, 5), *chg = db_str(res, r, 6);
        const char *note = db_str(res, r, 8);
#define KEEP(col, val) (b->v[col] = (val) ? xstrdup(val) : NULL)
        if (ord == 1) {
            KEEP(R_FG, cur);
            KEEP(R_FG_PREV, prev);
            KEEP(R_FG_CHANGE, chg);
            b->has_fg = cur != NULL;
            b->fg = cur ? strtod(cur, NULL) : 0;
            b->v[R_TREND] = trend_text(cur, prev);
        } else if (ord == 2) {
            KEEP(R_COST, cur);
            b->cost_complete = cur && !note;
            if (note)
                KEEP(R_NOTE, note);
        } else if (ord == 3) {
            KEEP(R_CPF, cur);
        } else if (ord == 4) {
            KEEP(R_ROI, cur);
            KEEP(R_ROI_PREV, prev);
        } else if (ord == 5) {
            KEEP(R_POSTS, cur);
        } else if (ord == 7) {
            KEEP(R_ATTR, cur);
        }
#undef KEEP
    }
    PQclear(res);
    if (b->v[R_ATTR] && b->v[R_POSTS] && strtod(b->v[R_POSTS], NULL) > 0)
        b->v[R_FPP] = dupnum(2, strtod(b->v[R_ATTR], NULL) / strtod(b->v[R_POSTS], NULL));
    return 0;
}

static int rollup_groups(struct db *db, const char *key_expr, const char *what, const char *const *params,
                         struct rtab *t, struct xerr *err)
{
    char sql[2048], sec[64], rank[8], note[1024];
    const char *vals[R_NCOLS];
    PGresult *res;

    snprintf(sql, sizeof sql, rollup_group_sql_fmt, key_expr);
    if (!(res = db_exec(db, sql, 4, params, err)))
        return err->code;
    snprintf(sec, sizeof sec, "best %s", what);
    for (int r = 0; r < PQntuples(res); r++) {
        memset(vals, 0, sizeof vals);
        snprintf(rank, sizeof rank, "%d", r + 1);
        snprintf(note, sizeof note, "evidence: %s posts with a 7-day attribution, on %s (%.900s)",
                 db_str(res, r, 5), !strcmp(db_str(res, r, 1), "1") ? "1 account" : "these accounts",
                 db_str(res, r, 6) ? db_str(res, r, 6) : "");
        vals[R_SECTION] = sec;
        vals[R_RANK] = rank;
        vals[R_NAME] = db_str(res, r, 0);
        vals[R_ACCOUNTS] = db_str(res, r, 1);
        vals[R_POSTS] = db_str(res, r, 2);
        vals[R_ATTR] = db_str(res, r, 3);
        vals[R_FPP] = db_str(res, r, 4);
        vals[R_NOTE] = note;
        rtab_add_row(t, vals);
    }
    if (PQntuples(res) == 0) {
        memset(vals, 0, sizeof vals);
        vals[R_SECTION] = sec;
        snprintf(note, sizeof note, "no data: none with %d or more attributed posts in the period", REPORT_MIN_POSTS);
        vals[R_NOTE] = note;
        rtab_add_row(t, vals);
    }
    PQclear(res);
    return 0;
}

int report_rollup_gather(struct db *db, const struct config *cfg, const struct account_list *accts,
                         const struct stage_args *a, struct rollup_data *d, struct xerr *err)
{
    char id[32], from[40], to[40], pfrom[40], vbuf[64], minp[16];
    const char *value = config_get(cfg, "value.per_follower_usd");
    double v = NAN;
    struct board_row *b = NULL;
    struct sbuf ids = SBUF_INIT;
    int rc = 0;

    memset(d, 0, sizeof *d);
    d->range = a->range;
    d->prev.to = a->range.from;
    d->prev.from = a->range.from - (a->range.to - a->range.from);
    d->as_of = a->as_of;
    d->n_accounts = accts->n;
    xtime_format_date(a->range.from, d->from_date, sizeof d->from_date);
    xtime_format_date(a->range.to - 1, d->to_date, sizeof d->to_date);
    snprintf(d->base, sizeof d->base, "xetl-rollup-%s_%s", d->from_date, d->to_date);
    rtab_init(&d->rows, rollup_cols, R_NCOLS);
    if (a->range.to <= a->range.from)
        return xerr_set(err, XETL_EX_USAGE, "report: empty range");
    if ((rc = report_file_mode(cfg, &d->file_mode, err)))
        return rc;
    if (value && *value && (rc = config_get_double(cfg, "value.per_follower_usd", &v, err)))
        return rc;
    const char *params[5] = { id, db_fmt_time(from, sizeof from, a->range.from), db_fmt_time(to, sizeof to, a->range.to),
                              db_fmt_time(pfrom, sizeof pfrom, d->prev.from),
                              isfinite(v) ? db_fmt_double(vbuf, sizeof vbuf, v) : NULL };

    /* The leaderboard: each account as its own report's headline says. */
    b = xcalloc((size_t)accts->n + 1, sizeof *b);
    sbuf_init(&ids);
    sbuf_adds(&ids, "{");
    for (int i = 0; i < accts->n && !rc; i++) {
        snprintf(id, sizeof id, "%lld", (long long)accts->v[i].id);
        sbuf_addf(&ids, "%s%s", i ? "," : "", id);
        b[i].acct = &accts->v[i];
        rc = board_account(db, params, &b[i], err);
    }
    sbuf_adds(&ids, "}");
    if (rc)
        goto out;
    qsort(b, (size_t)accts->n, sizeof *b, board_cmp);

    double fg = 0, fg_prev = 0, cost = 0, posts = 0, attr = 0;
    bool all_fg = true, any_fg = false, all_prev = true, all_cost = true, any_attr = false;
    struct sbuf missing = SBUF_INIT, no_fg = SBUF_INIT;
    sbuf_init(&missing);
    sbuf_init(&no_fg);
    for (int i = 0; i < accts->n; i++) {
        char rank[8];
        snprintf(rank, sizeof rank, "%d", i + 1);
        b[i].v[R_SECTION] = xstrdup("leaderboard");
        b[i].v[R_RANK] = xstrdup(rank);
        b[i].v[R_NAME] = xstrdup(b[i].acct->handle);
        b[i].v[R_ACCOUNTS] = xstrdup("1");
        rtab_add_row(&d->rows, (const char *const *)b[i].v);
        /* An account without follower samples (new, or import-only) is left out of the total, by name. */
        if (b[i].has_fg) {
            fg += b[i].fg;
            any_fg = true;
            if (b[i].v[R_FG_PREV])
                fg_prev += strtod(b[i].v[R_FG_PREV], NULL);
            else
                all_prev = false;
        } else {
            all_fg = false;
            sbuf_addf(&no_fg, "%s%s", no_fg.len ? ", " : "", b[i].acct->handle);
        }
        if (b[i].cost_complete)
            cost += strtod(b[i].v[R_COST], NULL);
        else {
            all_cost = false;
            sbuf_addf(&missing, "%s%s", missing.len ? ", " : "", b[i].acct->handle);
        }
        posts += b[i].v[R_POSTS] ? strtod(b[i].v[R_POSTS], NULL) : 0;
        if (b[i].v[R_ATTR]) {
            attr += strtod(b[i].v[R_ATTR], NULL);
            any_attr = true;
        }
    }

    /* The agency's totals: a sum only where every account's part is known. */
    {
        const char *vals[R_NCOLS] = { 0 };
        char n[16], note[1024];
        char *sfg = any_fg ? dupnum(0, fg) : NULL, *sprev = any_fg && all_prev ? dupnum(0, fg_prev) : NULL;
        char *schg = sfg && sprev ? dupnum(0, fg - fg_prev) : NULL;
        char *scost = all_cost ? dupnum(2, cost) : NULL;
        char *scpf = all_cost && all_fg && fg > 0 ? dupnum(4, cost / fg) : NULL;
        char *sroi = all_cost && all_fg && cost > 0 && isfinite(v) ? dupnum(4, (fg * v - cost) / cost) : NULL;
        char *sposts = dupnum(0, posts), *sattr = any_attr ? dupnum(0, attr) : NULL;
        char *sfpp = any_attr && posts > 0 ? dupnum(2, attr / posts) : NULL;
        char *strend = trend_text(sfg, sprev);
        snprintf(n, sizeof n, "%d", accts->n);
        struct sbuf nb = SBUF_INIT;
        sbuf_init(&nb);
        if (!all_fg)
            sbuf_addf(&nb, "followers gained without %s (no follower samples); ", no_fg.buf);
        if (!all_cost)
            sbuf_addf(&nb, "cost, cost per follower and ROI need every account's whole cost; not complete for: %s",
                      missing.buf);
        else if (!isfinite(v))
            sbuf_adds(&nb, "no ROI: value.per_follower_usd not set");
        snprintf(note, sizeof note, "%s", nb.buf);
        sbuf_release(&nb);
        size_t nl = strlen(note);
        if (nl >= 2 && !strcmp(note + nl - 2, "; "))
            note[nl - 2] = '\0';
        vals[R_SECTION] = "agency";
        vals[R_NAME] = "all accounts";
        vals[R_ACCOUNTS] = n;
        vals[R_POSTS] = sposts;
        vals[R_FG] = sfg;
        vals[R_FG_PREV] = sprev;
        vals[R_FG_CHANGE] = schg;
        vals[R_COST] = scost;
        vals[R_CPF] = scpf;
        vals[R_ROI] = sroi;
        vals[R_ATTR] = sattr;
        vals[R_FPP] = sfpp;
        vals[R_TREND] = strend;
        vals[R_NOTE] = note[0] ? note : NULL;
        rtab_add_row(&d->rows, vals);
        free(sfg), free(sprev), free(schg), free(scost), free(scpf), free(sroi), free(sposts), free(sattr);
        free(sfpp), free(strend);
    }
    sbuf_release(&missing);
    sbuf_release(&no_fg);

    /* What works across the accounts, with its evidence. */
    snprintf(minp, sizeof minp, "%d", REPORT_MIN_POSTS);
    const char *gp[4] = { ids.buf, from, to, minp };
    if ((rc = rollup_groups(db, "coalesce(nullif(p.content_type_name, ''), nullif(t.content_type, ''))",
                            "content types", gp, &d->rows, err)) ||
        (rc = rollup_groups(db, "coalesce(nullif(p.viral_formula, ''), nullif(t.viral_formula, ''))", "formulas",
                            gp, &d->rows, err)) ||
        (rc = rollup_groups(db, "coalesce(nullif(p.hook_used, ''), nullif(t.hook_used, ''))", "hooks", gp,
                            &d->rows, err)))
        goto out;
out:
    for (int i = 0; b && i < accts->n; i++)
        for (int c = 0; c < R_NCOLS; c++)
            free(b[i].v[c]);
    free(b);
    sbuf_release(&ids);
    if (rc)
        xerr_prefix(err, "roll-up: ");
    return rc;
}

void report_rollup_release(struct rollup_data *d)
{
    rtab_release(&d->rows);
}

int report_rollup(struct db *db, const struct config *cfg, const struct account_list *accts,
                  const struct stage_args *a, const struct report_opts *opts, struct report_files *files,
                  struct stage_counts *counts, struct xerr *err)
{
    struct rollup_data d;
    char path[4096];
    int rc;

    if ((rc = report_rollup_gather(db, cfg, accts, a, &d, err)) || (rc = mkdir_p(opts->out_dir, err)))
        goto out;
    if (opts->csv) {
        snprintf(path, sizeof path, "%s/%s.csv", opts->out_dir, d.base);
        if ((rc = csvout_write(&d.rows, path, d.file_mode, err)))
            goto out;
        files_add(files, path, counts);
    }
    if (opts->xlsx) {
        snprintf(path, sizeof path, "%s/%s.xlsx", opts->out_dir, d.base);
        if ((rc = xlsx_write_rollup(&d, path, err)))
            goto out;
        files_add(files, path, counts);
    }
    log_info("roll-up %s..%s: %d accounts", d.from_date, d.to_date, d.n_accounts);
out:
    report_rollup_release(&d);
    return rc;
}
