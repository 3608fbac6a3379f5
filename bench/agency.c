/*
 * bench/agency.c — the data and the X API of `make bench-agency`
 * (bench/bench_agency.sh).  Not a benchmark itself (bench/run.sh runs only
 * bench_*), a tool with three modes:
 *
 *   agency gen TABLE     COPY text of one table on stdout: accounts, content,
 *                        posts, snapshots, tac, replies, followers
 *   agency serve FILE    a fake X API v2 on 127.0.0.1 (port written to FILE)
 *                        that computes every answer from the same model, so
 *                        it costs microseconds per post, not the Python fake's
 *                        milliseconds; prints its request count and CPU time
 *                        to stderr on SIGTERM
 *   agency run FILE -- CMD ARGS...
 *                        runs CMD, writes "epoch_seconds rss_kib" to FILE
 *                        every 100 ms, and at the end prints its peak RSS
 *                        (getrusage of the child) and CPU to stderr
 *
 * The shape comes from the environment: BENCH_ACCOUNTS (1000),
 * BENCH_POSTS_PER_DAY (50), BENCH_DAYS (90), BENCH_SNAP_DAYS (30),
 * BENCH_AS_OF_EPOCH (the nightly's as-of), BENCH_LOAD_AS_OF_EPOCH (the
 * load's as-of, which the posts are counted from; default the nightly's),
 * BENCH_CONTENT_FROM_EPOCH (gen content: only posts created after it; 0),
 * BENCH_BOT_CONTENT (1).
 *
 * The model (everything a pure function of account a, post k and time):
 * post k of account a is created at T0 + k·spacing + offset(a), T0 = the
 * load's as-of − days (posts after the load's as-of are a later night's);
 * its counters follow floor(A·(1 − (1 + h/c)^−θ)) of its age h hours
 * (the Lomax shape of tests/fakex/sim.py); the follower count is a baseline,
 * a drift and each post's own Lomax-shaped follows.  Tweet ids are
 * snowflakes, (ms since X's epoch) << 22 | a << 10 | k mod 1024, so the
 * server decodes the account and the post from the id.  The history: every
 * post seen by a nightly before the as-of is in xetl.posts, content_metadata
 * and tweet_analytics_comprehensive (its counters at its last snapshot);
 * performance_snapshots holds the snapshots the last BENCH_SNAP_DAYS nightly
 * runs took (one a night for each post younger than 30 days); follower
 * samples for every night.  Posts of the last 24 h are only in the bot's
 * content_metadata: the nightly finds them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DAY 86400LL
#define TRACK_S (30 * DAY)     /* pull.track_days: the nightly refreshes younger posts */
#define X_EPOCH_MS 1288834974657LL
#define MAX_ACCOUNTS 4096      /* 12 bits of the id */

static long n_accounts, ppd, n_days, snap_days;
static int64_t as_of, load_as_of, t0, spacing, content_from;
static int bot_content;

static const char *const ct_id[] = { "ct_tips", "ct_hot_take", "ct_data_story", "ct_question" };
static const char *const ct_name[] = { "Practical tips", "Hot take", "Data story", "Question" };
static const double ct_mult[] = { 1.0, 1.6, 1.3, 0.7 };
static const char *const formulas[] = { "curiosity_gap", "contrarian", "listicle", "story_arc" };
static const char *const hooks[] = { "question", "statistic", "bold_claim", "personal" };

static long env_long(const char *name, long def, long lo, long hi)
{
    const char *s = getenv(name);
    char *end;
    long v;
    if (!s || !*s)
        return def;
    v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi) {
        fprintf(stderr, "agency: %s must be a number from %ld to %ld, not '%s'\n", name, lo, hi, s);
        exit(2);
    }
    return v;
}

static void setup(void)
{
    n_accounts = env_long("BENCH_ACCOUNTS", 1000, 1, MAX_ACCOUNTS - 1);
    ppd = env_long("BENCH_POSTS_PER_DAY", 50, 1, 1000);
    n_days = env_long("BENCH_DAYS", 90, 1, 365);
    snap_days = env_long("BENCH_SNAP_DAYS", 30, 0, 365);
    as_of = env_long("BENCH_AS_OF_EPOCH", 1795226400L /* 2026-11-21T02:00:00Z */, 1400000000L, 4000000000L);
    bot_content = (int)env_long("BENCH_BOT_CONTENT", 1, 0, 1);
    spacing = DAY / ppd;
    /*
     * The posts are anchored at the load's as-of, not the night's: a post's id
     * and numbers are a function of its slot k, so a night after the load (or
     * the warm-up night before it) must see the same posts the load wrote.
     */
    load_as_of = env_long("BENCH_LOAD_AS_OF_EPOCH", as_of, 1400000000L, 4000000000L);
    t0 = load_as_of - n_days * DAY;
    content_from = env_long("BENCH_CONTENT_FROM_EPOCH", 0, 0, 4000000000L);
}

/* Post slots: the load's n_days·ppd, and those of the time since (a later night's new posts). */
static long n_posts(void)
{
    return n_days * ppd + (as_of > load_as_of ? (long)((as_of - load_as_of) / spacing) : 0);
}

/* ---- the model ---- */

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static double unif(uint64_t *s) /* [0, 1) */
{
    *s = mix(*s);
    return (double)(*s >> 11) * 0x1.0p-53;
}

struct post {
    long a, k;
    int64_t created, id;
    int reply, ct, formula, hook;
    double imp, like_rate, rt, rp, qt, bm, theta, c, follows, follows_c;
    int64_t parent_id;
    int parent_user;
};

static int64_t offset_of(long a)
{
    return (int64_t)((a * 7919) % spacing);
}

static void post_make(long a, long k, struct post *p)
{
    uint64_t s = (uint64_t)a << 32 ^ (uint64_t)k;
    memset(p, 0, sizeof *p);
    p->a = a;
    p->k = k;
    p->created = t0 + k * spacing + offset_of(a);
    p->id = ((p->created * 1000 - X_EPOCH_MS) << 22) | (int64_t)a << 10 | (k & 0x3ff);
    p->reply = unif(&s) < 0.2;
    p->ct = (int)(unif(&s) * 4);
    p->formula = (int)(unif(&s) * 4);
    p->hook = (int)(unif(&s) * 4);
    double u1 = unif(&s), u2 = unif(&s);
    double g = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
    p->imp = (p->reply ? 300.0 : 2000.0) * exp(0.7 * g);
    p->theta = 0.8 + 1.2 * unif(&s);
    p->c = 1.5 + 4.5 * unif(&s);
    p->like_rate = 0.01 + 0.04 * unif(&s);
    p->rt = 0.1 + 0.15 * unif(&s);
    p->rp = 0.05 + 0.1 * unif(&s);
    p->qt = 0.04 * unif(&s);
    p->bm = 0.1 + 0.2 * unif(&s);
    p->follows = p->imp * (0.0005 + 0.0025 * unif(&s)) * ct_mult[p->ct];
    p->follows_c = p->c * (1.0 + unif(&s));
    p->parent_user = 1 + (int)(unif(&s) * 49);
    p->parent_id = p->id - 1000 - (int64_t)(unif(&s) * 1e9);
}

/* The post whose id this is, or -1. */
static int post_from_id(int64_t id, struct post *p)
{
    long a = (long)((id >> 10) & 0xfff);
    int64_t t = ((id >> 22) + X_EPOCH_MS) / 1000;
    if (id <= 0 || a < 1 || a > n_accounts || t < t0)
        return -1;
    long k = (long)((t - t0 - offset_of(a)) / spacing);
    if (k < 0 || k >= n_posts())
        return -1;
    post_make(a, k, p);
    return p->id == id ? 0 : -1;
}

static double lomax(double h, double c, double theta)
{
    return h <= 0 ? 0.0 : 1.0 - pow(1.0 + h / c, -theta);
}

struct counters {
    long imp, likes, rts, replies, quotes, bms, urls, profiles;
};

static void counters_at(const struct post *p, int64_t t, struct counters *m)
{
    double f = lomax((double)(t - p->created) / 3600.0, p->c, p->theta);
    double likes = p->imp * p->like_rate;
    m->imp = (long)floor(p->imp * f);
    m->likes = (long)floor(likes * f);
    m->rts = (long)floor(likes * p->rt * f);
    m->replies = (long)floor(likes * p->rp * f);
    m->quotes = (long)floor(likes * p->qt * f);
    m->bms = (long)floor(likes * p->bm * f);
    m->urls = (long)floor(p->imp * 0.005 * f);
    m->profiles = (long)floor(p->imp * 0.008 * f);
}

static long followers_at(long a, int64_t t)
{
    double f = 1000.0 + (double)(a * 37 % 5000) + 4.0 * (double)(t - t0) / DAY;
    struct post p;
    for (long k = 0, n = n_posts(); k < n; k++) {
        post_make(a, k, &p);
        if (p.created > t)
            break;
        f += p.follows * lomax((double)(t - p.created) / 3600.0, p.follows_c, p.theta);
    }
    return (long)floor(f);
}

static long posts_before(long a, int64_t t) /* posts created at or before t */
{
    if (t < t0 + offset_of(a))
        return 0;
    long n = (long)((t - t0 - offset_of(a)) / spacing) + 1;
    return n > n_posts() ? n_posts() : n;
}

/* The nightly run that last snapshotted the post before the as-of: 0 if none
 * did (posted in the last 24 h). */
static int64_t last_night(const struct post *p)
{
    for (long j = 1; j <= n_days + 31; j++) {
        int64_t at = as_of - j * DAY;
        if (at <= p->created)
            return 0;
        if (at - p->created < TRACK_S)
            return at;
    }
    return 0;
}

static void text_of(const struct post *p, char *buf, size_t n)
{
    int len = snprintf(buf, n, "%sPost %ld of ag%05ld: %s via %s", p->reply ? "@target_x " : "", p->k, p->a,
                       ct_name[p->ct], hooks[p->hook]);
    if (p->k % 5 == 1 && len > 0 && (size_t)len < n)
        snprintf(buf + len, n - (size_t)len, ", read more https://t.co/x%ld #growth", p->k);
}

static void uuid_of(const struct post *p, char *buf, size_t n)
{
    uint64_t h1 = mix((uint64_t)p->a * 1000003u + (uint64_t)p->k), h2 = mix(h1);
    snprintf(buf, n, "%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(h1 >> 32), (unsigned)(h1 >> 16) & 0xffff,
             (unsigned)h1 & 0xfff, (unsigned)(h2 >> 52), (unsigned long long)(h2 & 0xffffffffffffULL));
}

static void ts_of(int64_t t, char *buf, size_t n, int iso)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, n, iso ? "%Y-%m-%dT%H:%M:%S.000Z" : "%Y-%m-%d %H:%M:%S+00", &tm);
}

static void genmeta(const struct post *p, char *buf, size_t n)
{
    snprintf(buf, n,
             "{\"content_type_id\": \"%s\", \"content_type_name\": \"%s\", \"viral_formula\": \"%s\","
             " \"hook_used\": \"%s\"}",
             ct_id[p->ct], ct_name[p->ct], formulas[p->formula], hooks[p->hook]);
}

static void rate(FILE *o, long num, long den)
{
    if (den > 0)
        fprintf(o, "%.15g\t", (double)num / (double)den);
    else
        fputs("\\N\t", o);
}

/* ---- gen ---- */

static void gen_accounts(FILE *o)
{
    for (long a = 1; a <= n_accounts; a++)
        fprintf(o, "%ld\tag%05ld\t%lld\tt\t%s\n", a, a, 3000000000LL + a, bot_content ? "t" : "f");
}

static void gen_posts(FILE *o, const char *which)
{
    char text[200], uuid[40], ts[40], ls[40], gm[300];
    struct post p;
    for (long a = 1; a <= n_accounts; a++)
        for (long k = 0, n = n_posts(); k < n; k++) {
            post_make(a, k, &p);
            if (p.created >= as_of)
                break;
            int64_t last = last_night(&p);
            text_of(&p, text, sizeof text);
            uuid_of(&p, uuid, sizeof uuid);
            ts_of(p.created, ts, sizeof ts, 0);
            genmeta(&p, gm, sizeof gm);
            if (!strcmp(which, "content")) {
                if (!bot_content)
                    return;
                if (p.created <= content_from) /* BENCH_CONTENT_FROM_EPOCH: a later day's new posts only */
                    continue;
                /* decision_id, decision_type, content, status, tweet_id, target_tweet_id, target_username,
                 * scheduled_at, posted_at, generation_metadata */
                fprintf(o, "%s\t%s\t%s\tposted\t%lld\t", uuid, p.reply ? "reply" : "single", text, (long long)p.id);
                if (p.reply)
                    fprintf(o, "%lld\ttarget_%d\t", (long long)p.parent_id, p.parent_user);
                else
                    fputs("\\N\t\\N\t", o);
                fprintf(o, "%s\t%s\t%s\n", ts, ts, gm);
                continue;
            }
            if (!last)
                continue; /* not seen by a nightly yet */
            ts_of(last, ls, sizeof ls, 0);
            if (!strcmp(which, "posts")) {
                /* tweet_id, account_id, decision_id, kind, posted_at, text, parent_tweet_id, parent_username,
                 * content_type_id, content_type_name, viral_formula, hook_used, generation_metadata, origin,
                 * status, first_seen_at, last_snapshot_at */
                char fs[40];
                int64_t first = as_of - ((as_of - p.created) / DAY) * DAY;
                ts_of(first, fs, sizeof fs, 0);
                fprintf(o, "%lld\t%ld\t%s\t%s\t%s\t%s\t", (long long)p.id, a, uuid, p.reply ? "reply" : "post", ts,
                        text);
                if (p.reply)
                    fprintf(o, "%lld\ttarget_%d\t", (long long)p.parent_id, p.parent_user);
                else
                    fputs("\\N\t\\N\t", o);
                fprintf(o, "%s\t%s\t%s\t%s\t%s\t%s\tactive\t%s\t%s\n", ct_id[p.ct], ct_name[p.ct],
                        formulas[p.formula], hooks[p.hook], gm, bot_content ? "bot" : "timeline", fs, ls);
                continue;
            }
            struct counters m;
            counters_at(&p, last, &m);
            if (!strcmp(which, "tac")) {
                /* account_id, decision_id, tweet_id, posted_at, content_type, viral_formula, hook_used, likes,
                 * retweets, replies, quotes, bookmarks, impressions, content_length, has_url, has_hashtags,
                 * engagement_rate, viral_coefficient, conversation_rate, last_scraped_at */
                fprintf(o, "%ld\t%s\t%lld\t%s\t%s\t%s\t%s\t%ld\t%ld\t%ld\t%ld\t%ld\t%ld\t%zu\t%s\t%s\t", a, uuid,
                        (long long)p.id, ts, ct_name[p.ct], formulas[p.formula], hooks[p.hook], m.likes, m.rts,
                        m.replies, m.quotes, m.bms, m.imp, strlen(text), strstr(text, "http") ? "t" : "f",
                        strchr(text, '#') ? "t" : "f");
                rate(o, m.likes + m.rts + m.replies, m.imp);
                rate(o, m.rts, m.imp);
                rate(o, m.replies, m.imp);
                fprintf(o, "%s\n", ls);
            } else if (!strcmp(which, "replies") && p.reply) {
                /* decision_id, reply_tweet_id, parent_tweet_id, parent_username, likes, replies, impressions,
                 * engagement_rate, reply_metadata, account_id */
                char iso[40];
                ts_of(last, iso, sizeof iso, 1);
                fprintf(o, "%s\t%lld\t%lld\ttarget_%d\t%ld\t%ld\t%ld\t", uuid, (long long)p.id,
                        (long long)p.parent_id, p.parent_user, m.likes, m.replies, m.imp);
                rate(o, m.likes + m.rts + m.replies, m.imp);
                fprintf(o,
                        "{\"as_of\": \"%s\", \"quotes\": %ld, \"source\": \"api\", \"retweets\": %ld,"
                        " \"bookmarks\": %ld}\t%ld\n",
                        iso, m.quotes, m.rts, m.bms, a);
            }
        }
}

/* Night by night, oldest first, every account: the order the nightly runs wrote them in. */
static void gen_snapshots(FILE *o)
{
    char uuid[40], ts[40];
    struct post p;
    struct counters m;
    for (long j = snap_days; j >= 1; j--) {
        int64_t at = as_of - j * DAY;
        ts_of(at, ts, sizeof ts, 0);
        for (long a = 1; a <= n_accounts; a++) {
            long fol = followers_at(a, at);
            for (long k = posts_before(a, at - TRACK_S), n = n_posts(); k < n; k++) {
                post_make(a, k, &p);
                if (p.created >= at)
                    break;
                if (at - p.created >= TRACK_S)
                    continue;
                counters_at(&p, at, &m);
                uuid_of(&p, uuid, sizeof uuid);
                /* decision_id, tweet_id, snapshot_at, hours_since_post, likes, retweets, replies, quotes,
                 * bookmarks, impressions, views, profile_clicks, url_clicks, detail_expands, engagement_rate,
                 * viral_coefficient, reply_rate, bookmark_rate, followers_at_snapshot, snapshot_metadata,
                 * account_id, source, raw_response_id */
                fprintf(o, "%s\t%lld\t%s\t%.6f\t%ld\t%ld\t%ld\t%ld\t%ld\t%ld\t%ld\t\\N\t\\N\t\\N\t", uuid,
                        (long long)p.id, ts, (double)(at - p.created) / 3600.0, m.likes, m.rts, m.replies, m.quotes,
                        m.bms, m.imp, m.imp);
                rate(o, m.likes + m.rts + m.replies, m.imp);
                rate(o, m.rts, m.imp);
                rate(o, m.replies, m.imp);
                rate(o, m.bms, m.imp);
                fprintf(o, "%ld\t\\N\t%ld\tapi\t\\N\n", fol, a);
            }
        }
    }
}

static void gen_followers(FILE *o)
{
    char ts[40];
    for (long a = 1; a <= n_accounts; a++)
        for (long j = n_days; j >= 1; j--) {
            int64_t at = as_of - j * DAY;
            ts_of(at, ts, sizeof ts, 0);
            /* account_id, sampled_at, followers_count, following_count, tweet_count, listed_count, source */
            fprintf(o, "%ld\t%s\t%ld\t%ld\t%ld\t%ld\tapi\n", a, ts, followers_at(a, at), 300 + a % 200,
                    5000 + posts_before(a, at), 20 + a % 30);
        }
}

/* ---- serve ---- */

static atomic_long n_requests, n_ids;

struct buf {
    char *p;
    size_t len, cap;
};

static void b_grow(struct buf *b, size_t more)
{
    if (b->len + more + 1 > b->cap) {
        b->cap = (b->len + more + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
}

__attribute__((format(printf, 2, 3))) static void b_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            abort();
        if ((size_t)n < room && b->p) {
            b->len += (size_t)n;
            return;
        }
        b_grow(b, (size_t)n);
    }
}

/* The value of KEY in a query string, %-decoded into out; 0 when absent. */
static int qget(const char *q, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    for (const char *s = q; s && *s;) {
        const char *amp = strchr(s, '&');
        size_t len = amp ? (size_t)(amp - s) : strlen(s);
        if (len > kl && s[kl] == '=' && !strncmp(s, key, kl)) {
            size_t o = 0;
            for (size_t i = kl + 1; i < len && o + 1 < n; i++) {
                if (s[i] == '%' && i + 2 < len) {
                    char hx[3] = { s[i + 1], s[i + 2], 0 };
                    out[o++] = (char)strtol(hx, NULL, 16);
                    i += 2;
                } else {
                    out[o++] = s[i] == '+' ? ' ' : s[i];
                }
            }
            out[o] = 0;
            return 1;
        }
        s = amp ? amp + 1 : NULL;
    }
    return 0;
}

static int64_t parse_iso(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

static void tweet_json(struct buf *b, const struct post *p, const char *fields)
{
    char text[200], ts[40];
    struct counters m;
    text_of(p, text, sizeof text);
    ts_of(p->created, ts, sizeof ts, 1);
    counters_at(p, as_of, &m);
    b_printf(b, "{\"id\":\"%lld\",\"text\":\"%s\",\"edit_history_tweet_ids\":[\"%lld\"]", (long long)p->id, text,
             (long long)p->id);
    if (strstr(fields, "created_at"))
        b_printf(b, ",\"created_at\":\"%s\"", ts);
    if (strstr(fields, "author_id"))
        b_printf(b, ",\"author_id\":\"%lld\"", 3000000000LL + p->a);
    if (strstr(fields, "conversation_id"))
        b_printf(b, ",\"conversation_id\":\"%lld\"", (long long)(p->reply ? p->parent_id : p->id));
    if (p->reply && strstr(fields, "in_reply_to_user_id"))
        b_printf(b, ",\"in_reply_to_user_id\":\"%d\"", 2000000000 + p->parent_user);
    if (p->reply && strstr(fields, "referenced_tweets"))
        b_printf(b, ",\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"%lld\"}]", (long long)p->parent_id);
    if (strstr(fields, "public_metrics"))
        b_printf(b,
                 ",\"public_metrics\":{\"retweet_count\":%ld,\"reply_count\":%ld,\"like_count\":%ld,"
                 "\"quote_count\":%ld,\"bookmark_count\":%ld,\"impression_count\":%ld}",
                 m.rts, m.replies, m.likes, m.quotes, m.bms, m.imp);
    if (strstr(fields, "non_public_metrics"))
        b_printf(b, ",\"non_public_metrics\":{\"impression_count\":%ld,\"url_link_clicks\":%ld,"
                 "\"user_profile_clicks\":%ld}", m.imp, m.urls, m.profiles);
    if (strstr(fields, "organic_metrics"))
        b_printf(b, ",\"organic_metrics\":{\"impression_count\":%ld,\"like_count\":%ld,\"reply_count\":%ld,"
                 "\"retweet_count\":%ld,\"url_link_clicks\":%ld,\"user_profile_clicks\":%ld}",
                 m.imp, m.likes, m.replies, m.rts, m.urls, m.profiles);
    b_printf(b, "}");
}

static int answer_tweets(struct buf *b, const char *q)
{
    char *save = NULL, lids[4096], lf[512], le[256];
    struct buf errs = { 0 }, users = { 0 };
    int nd = 0;
    if (!qget(q, "ids", lids, sizeof lids))
        lids[0] = 0;
    if (!qget(q, "tweet.fields", lf, sizeof lf))
        lf[0] = 0;
    if (!qget(q, "expansions", le, sizeof le))
        le[0] = 0;
    b_printf(b, "{\"data\":[");
    for (char *id = strtok_r(lids, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
        struct post p;
        atomic_fetch_add(&n_ids, 1);
        if (post_from_id(strtoll(id, NULL, 10), &p) || p.created > as_of) {
            b_printf(&errs, "%s{\"value\":\"%s\",\"detail\":\"Could not find tweet with ids: [%s].\","
                     "\"title\":\"Not Found Error\",\"resource_type\":\"tweet\",\"parameter\":\"ids\","
                     "\"resource_id\":\"%s\",\"type\":\"https://api.twitter.com/2/problems/resource-not-found\"}",
                     errs.len ? "," : "", id, id, id);
            continue;
        }
        if (nd++)
            b_printf(b, ",");
        tweet_json(b, &p, lf);
        if (p.reply && strstr(le, "in_reply_to_user_id"))
            b_printf(&users, "%s{\"id\":\"%d\",\"name\":\"target_%d\",\"username\":\"target_%d\"}",
                     users.len ? "," : "", 2000000000 + p.parent_user, p.parent_user, p.parent_user);
    }
    b_printf(b, "]");
    if (users.len)
        b_printf(b, ",\"includes\":{\"users\":[%s]}", users.p);
    if (errs.len)
        b_printf(b, ",\"errors\":[%s]", errs.p);
    b_printf(b, "}");
    free(errs.p);
    free(users.p);
    return 200;
}

static int answer_timeline(struct buf *b, long a, const char *q)
{
    char v[128], fields[512];
    long n = qget(q, "max_results", v, sizeof v) ? strtol(v, NULL, 10) : 10;
    int64_t start = qget(q, "start_time", v, sizeof v) ? parse_iso(v) : t0;
    int64_t end = qget(q, "end_time", v, sizeof v) ? parse_iso(v) : as_of;
    long off = qget(q, "pagination_token", v, sizeof v) ? strtol(v, NULL, 16) : 0;
    if (!qget(q, "tweet.fields", fields, sizeof fields))
        fields[0] = 0;
    if (n < 5 || n > 100 || start < 0 || end < 0)
        return 400;
    if (end > as_of)
        end = as_of;
    /* Newest first: posts k_hi down to k_lo, at most 3,200. */
    long k_hi = posts_before(a, end) - 1, k_lo = posts_before(a, start - 1);
    if (k_hi - k_lo + 1 > 3200)
        k_lo = k_hi - 3199;
    long total = k_hi >= k_lo ? k_hi - k_lo + 1 : 0;
    b_printf(b, "{");
    long shown = 0;
    struct post p;
    if (off < total) {
        b_printf(b, "\"data\":[");
        for (long i = off; i < total && i < off + n; i++, shown++) {
            post_make(a, k_hi - i, &p);
            if (shown)
                b_printf(b, ",");
            tweet_json(b, &p, fields);
        }
        b_printf(b, "],");
    }
    b_printf(b, "\"meta\":{\"result_count\":%ld", shown);
    if (shown) {
        struct post first;
        post_make(a, k_hi - off, &first);
        b_printf(b, ",\"newest_id\":\"%lld\",\"oldest_id\":\"%lld\"", (long long)first.id, (long long)p.id);
    }
    if (off + n < total)
        b_printf(b, ",\"next_token\":\"%08lx\"", off + n);
    b_printf(b, "}}");
    return 200;
}

static int answer(const char *target, struct buf *b)
{
    char path[256];
    const char *qm = strchr(target, '?');
    size_t pl = qm ? (size_t)(qm - target) : strlen(target);
    const char *q = qm ? qm + 1 : "";
    long uid = 0;
    char tail[16] = "";
    if (pl >= sizeof path)
        return 404;
    memcpy(path, target, pl);
    path[pl] = 0;
    atomic_fetch_add(&n_requests, 1);
    if (!strcmp(path, "/2/tweets"))
        return answer_tweets(b, q);
    if (sscanf(path, "/2/users/%ld%15s", &uid, tail) >= 1) {
        long a = uid - 3000000000L;
        if (a < 1 || a > n_accounts) {
            b_printf(b, "{\"errors\":[{\"value\":\"%ld\",\"title\":\"Not Found Error\",\"resource_type\":\"user\","
                     "\"type\":\"https://api.twitter.com/2/problems/resource-not-found\"}]}", uid);
            return 200;
        }
        if (!strcmp(tail, "/tweets"))
            return answer_timeline(b, a, q);
        if (!*tail) {
            b_printf(b, "{\"data\":{\"id\":\"%ld\",\"name\":\"Agency %ld\",\"username\":\"ag%05ld\","
                     "\"public_metrics\":{\"followers_count\":%ld,\"following_count\":%ld,\"tweet_count\":%ld,"
                     "\"listed_count\":%ld}}}",
                     uid, a, a, followers_at(a, as_of), 300 + a % 200, 5000 + posts_before(a, as_of), 20 + a % 30);
            return 200;
        }
    }
    b_printf(b, "{\"title\":\"Not Found\",\"detail\":\"no such endpoint\",\"type\":\"about:blank\",\"status\":404}");
    return 404;
}

static void *conn_main(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char req[16384];
    size_t have = 0;
    struct buf body = { 0 }, head = { 0 };
    for (;;) {
        char *eoh;
        while (!(eoh = memmem(req, have, "\r\n\r\n", 4))) {
            if (have == sizeof req)
                goto done;
            ssize_t r = read(fd, req + have, sizeof req - have);
            if (r <= 0)
                goto done;
            have += (size_t)r;
        }
        size_t used = (size_t)(eoh + 4 - req);
        char method[8], target[8192];
        *eoh = 0;
        if (sscanf(req, "%7s %8191s", method, target) != 2)
            goto done;
        int close_after = strcasestr(req, "\nconnection: close") != NULL;
        body.len = head.len = 0;
        int status = strcmp(method, "GET") ? 405 : answer(target, &body);
        if (!body.p)
            b_printf(&body, "{}");
        b_printf(&head,
                 "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %zu\r\n"
                 "x-rate-limit-limit: 900\r\nx-rate-limit-remaining: 899\r\nx-rate-limit-reset: %lld\r\n%s\r\n",
                 status, status == 200 ? "OK" : "Error", body.len, (long long)time(NULL) + 900,
                 close_after ? "Connection: close\r\n" : "");
        const char *part[2] = { head.p, body.p };
        size_t part_len[2] = { head.len, body.len };
        for (int i = 0; i < 2; i++)
            for (size_t off = 0; off < part_len[i];) {
                ssize_t w = write(fd, part[i] + off, part_len[i] - off);
                if (w <= 0)
                    goto done;
                off += (size_t)w;
            }
        memmove(req, req + used, have - used);
        have -= used;
        if (close_after)
            break;
    }
done:
    close(fd);
    free(body.p);
    free(head.p);
    return NULL;
}

static volatile sig_atomic_t stopping;
static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

static int serve(const char *port_file)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sigaction act = { .sa_handler = on_term };
    char tmp[4096];
    FILE *f;
    if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, 128) || getsockname(ls, (struct sockaddr *)&sa, &sl)) {
        perror("agency serve");
        return 1;
    }
    sigaction(SIGTERM, &act, NULL); /* no SA_RESTART: accept returns EINTR */
    sigaction(SIGINT, &act, NULL);
    signal(SIGPIPE, SIG_IGN);
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    if (!(f = fopen(tmp, "w")) || fprintf(f, "%d\n", ntohs(sa.sin_port)) < 0 || fclose(f) || rename(tmp, port_file)) {
        perror(port_file);
        return 1;
    }
    while (!stopping) {
        int fd = accept(ls, NULL, NULL);
        pthread_t th;
        if (fd < 0)
            continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (pthread_create(&th, NULL, conn_main, (void *)(intptr_t)fd)) {
            close(fd);
            continue;
        }
        pthread_detach(th);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr, "fake x api: %ld requests, %ld ids, cpu %.2f s user %.2f s sys\n", atomic_load(&n_requests),
            atomic_load(&n_ids), ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
            ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    return 0;
}

/* ---- run ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    long v = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) {
            v = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* RSS of pid and its descendants (nightly --jobs: the workers), from /proc's children lists. */
static long tree_rss_kib(pid_t pid, int depth)
{
    char path[64];
    long sum = rss_kib(pid);
    if (sum < 0)
        return 0;
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = depth < 4 ? fopen(path, "r") : NULL;
    if (f) {
        int c;
        while (fscanf(f, "%d", &c) == 1)
            sum += tree_rss_kib((pid_t)c, depth + 1);
        fclose(f);
    }
    return sum;
}

static volatile pid_t run_child;
static void forward(int sig)
{
    if (run_child > 0)
        kill(run_child, sig);
}

static int run(const char *out, char **argv)
{
    FILE *f = fopen(out, "w");
    double start = now_s();
    int status = 0;
    struct rusage ru;
    pid_t pid;
    long peak_tree = 0;
    if (!f) {
        perror(out);
        return 1;
    }
    if ((pid = fork()) < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        execvp(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    run_child = pid;
    struct sigaction fw = { .sa_handler = forward };
    sigaction(SIGTERM, &fw, NULL); /* a deadline stops the command, and we still report */
    sigaction(SIGINT, &fw, NULL);
    for (;;) {
        pid_t w = wait4(pid, &status, WNOHANG, &ru);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        long r = tree_rss_kib(pid, 0);
        if (r > 0)
            fprintf(f, "%.3f %ld\n", now_s(), r);
        if (r > peak_tree)
            peak_tree = r;
        fflush(f);
        usleep(100000);
    }
    fclose(f);
    /* ru_maxrss is the largest single process; the sampled sum covers every worker at once. */
    fprintf(stderr, "run: wall %.2f s, peak rss %ld KiB, peak total rss %ld KiB, cpu %.2f s user %.2f s sys, exit %d\n",
            now_s() - start, ru.ru_maxrss, peak_tree > ru.ru_maxrss ? peak_tree : ru.ru_maxrss, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
            ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, WIFEXITED(status) ? WEXITSTATUS(status) : 128);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    setup();
    if (!strcmp(mode, "gen") && argc == 3) {
        static char obuf[1 << 20];
        setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
        const char *t = argv[2];
        if (!strcmp(t, "accounts"))
            gen_accounts(stdout);
        else if (!strcmp(t, "content") || !strcmp(t, "posts") || !strcmp(t, "tac") || !strcmp(t, "replies"))
            gen_posts(stdout, t);
        else if (!strcmp(t, "snapshots"))
            gen_snapshots(stdout);
        else if (!strcmp(t, "followers"))
            gen_followers(stdout);
        else {
            fprintf(stderr, "agency gen: no table '%s'\n", t);
            return 2;
        }
        return fflush(stdout) ? 1 : 0;
    }
    if (!strcmp(mode, "serve") && argc == 3)
        return serve(argv[2]);
    if (!strcmp(mode, "run") && argc >= 5 && !strcmp(argv[3], "--"))
        return run(argv[2], argv + 4);
    fprintf(stderr, "usage: agency gen TABLE | agency serve PORT_FILE | agency run RSS_FILE -- CMD ARGS...\n");
    return 2;
}
