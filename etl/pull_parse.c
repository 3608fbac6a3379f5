/*
 * etl/pull_parse.c — see pull_parse.h.  docs/pull.md describes the rules
 * (which posts are this account's, kinds, partial errors).
 */
#include "etl/pull_parse.h"
#include "common/sbuf.h"
#include "common/xtime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the bot's rows ------------------------------------------------------- */

static int cmp_bot(const void *a, const void *b)
{
    return strcmp(((const struct pull_bot *)a)->tweet_id, ((const struct pull_bot *)b)->tweet_id);
}

void pull_bots_sort(struct pull_bots *b)
{
    if (b->n)
        qsort(b->v, (size_t)b->n, sizeof *b->v, cmp_bot);
}

const struct pull_bot *pull_bot_find(const struct pull_bots *b, const char *tweet_id)
{
    struct pull_bot key = { .tweet_id = (char *)tweet_id };
    return b && b->n ? bsearch(&key, b->v, (size_t)b->n, sizeof *b->v, cmp_bot) : NULL;
}

void pull_bots_release(struct pull_bots *b)
{
    for (int i = 0; i < b->n; i++) {
        struct pull_bot *r = &b->v[i];
        free(r->tweet_id);
        free(r->decision_id);
        free(r->kind);
        free(r->parent_tweet_id);
        free(r->parent_username);
        free(r->ct_id);
        free(r->ct_name);
        free(r->formula);
        free(r->hook);
        free(r->genmeta);
    }
    free(b->v);
    b->v = NULL;
    b->n = 0;
}

bool pull_valid_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

bool pull_decision_uuid(const char *ref, char out[37])
{
    static const int group[] = { 8, 4, 4, 4, 12 };
    const char *s = ref;
    int o = 0;
    if (!s)
        return false;
    for (int g = 0; g < 5; g++) {
        if (g > 0) {
            if (*s == '-')
                s++;
            out[o++] = '-';
        }
        for (int i = 0; i < group[g]; i++, s++) {
            if (!isxdigit((unsigned char)*s))
                return false;
            out[o++] = (char)tolower((unsigned char)*s);
        }
    }
    out[o] = '\0';
    return *s == '\0';
}

/* --- rows ----------------------------------------------------------------- */

void pull_parse_init(struct pull_parse *p, const char *user_id, const struct pull_bots *bots, int64_t as_of)
{
    memset(p, 0, sizeof *p);
    p->user_id = user_id;
    p->bots = bots;
    p->as_of = as_of;
    p->followers = p->following = p->tweets = p->listed = -1;
}

void pull_parse_clear(struct pull_parse *p)
{
    for (int i = 0; i < p->n_rows; i++) {
        free(p->rows[i].metrics_extra);
        free(p->rows[i].err_detail);
    }
    p->n_rows = 0;
}

void pull_parse_release(struct pull_parse *p)
{
    pull_parse_clear(p);
    free(p->rows);
    p->rows = NULL;
    p->cap_rows = 0;
    free(p->foreign_v);
    p->foreign_v = NULL;
    p->n_foreign = p->cap_foreign = 0;
}

static struct pull_row *new_row(struct pull_parse *p, const char *tweet_id, int64_t resp_id)
{
    if (p->n_rows == p->cap_rows) {
        p->cap_rows = p->cap_rows ? p->cap_rows * 2 : 128;
        p->rows = xrealloc(p->rows, (size_t)p->cap_rows * sizeof *p->rows);
    }
    struct pull_row *r = &p->rows[p->n_rows++];
    memset(r, 0, sizeof *r);
    r->tweet_id = tweet_id;
    r->response_id = resp_id;
    for (int i = 0; i < PM_COUNT; i++)
        r->metric[i] = -1;
    p->stage_rows++;
    return r;
}

/* An int4 counter, or -1 (NULL) when absent, negative or too large. */
static int64_t counter(const struct jv *obj, const char *key)
{
    int64_t v;
    if (jv_int(jv_get(obj, key), &v) && v >= 0 && v <= 2147483647)
        return v;
    return -1;
}

static long count_or_unknown(const struct jv *obj, const char *key)
{
    int64_t v;
    return jv_int(jv_get(obj, key), &v) ? (long)v : -1;
}

/* The bot's generation keys onto a row. */
static void bot_fields(struct pull_row *r, const struct pull_bot *b)
{
    r->decision_id = b->decision_id;
    r->origin = "bot";
    r->ct_id = b->ct_id;
    r->ct_name = b->ct_name;
    r->formula = b->formula;
    r->hook = b->hook;
    r->genmeta = b->genmeta;
}

/* X's private metrics as kept in snapshot_metadata: compact, keys in order. */
static char *metrics_extra(const struct jv *np, const struct jv *om)
{
    struct sbuf sb = SBUF_INIT;
    struct jw w;
    sbuf_init(&sb);
    jw_init(&w, &sb);
    jw_obj(&w);
    const struct jv *part[2] = { np, om };
    const char *name[2] = { "non_public_metrics", "organic_metrics" };
    for (int i = 0; i < 2; i++) {
        if (!part[i])
            continue;
        char *s = jv_dump(part[i]);
        jw_key(&w, name[i]);
        jw_raw(&w, s);
        free(s);
    }
    jw_obj_end(&w);
    return sb.buf; /* the sbuf's buffer, handed over */
}

/* The kind of a post the bot did not record: a reply to the account itself is a thread. */
static const char *kind_of(const char *user_id, const char *reply_to, const char *reply_user)
{
    if (reply_to && reply_user && strcmp(reply_user, user_id) == 0)
        return "thread";
    return reply_to ? "reply" : "post";
}

/* Repeats are harmless: the statement that records them skips a tweet already there. */
static void add_foreign(struct pull_parse *p, const char *id, const char *author)
{
    if (p->n_foreign == p->cap_foreign) {
        p->cap_foreign = p->cap_foreign ? p->cap_foreign * 2 : 64;
        p->foreign_v = xrealloc(p->foreign_v, (size_t)p->cap_foreign * sizeof *p->foreign_v);
    }
    struct pull_foreign *f = &p->foreign_v[p->n_foreign++];
    snprintf(f->tweet_id, sizeof f->tweet_id, "%s", id);
    snprintf(f->author_id, sizeof f->author_id, "%s", author);
}

/* One tweet object (from /2/tweets or the timeline) → one stage row. */
static void stage_tweet(struct pull_parse *p, const struct jv *tw, const struct jv *users, int64_t resp_id,
                        bool metrics)
{
    const char *id = jv_str(jv_get(tw, "id"));
    const char *author = jv_str(jv_get(tw, "author_id"));
    const char *created = jv_str(jv_get(tw, "created_at"));
    const char *reply_to = NULL, *reply_user = jv_str(jv_get(tw, "in_reply_to_user_id"));
    const char *reply_username = NULL;
    const struct jv *pm = jv_get(tw, "public_metrics");
    const struct jv *np = jv_get(tw, "non_public_metrics");
    const struct jv *om = jv_get(tw, "organic_metrics");
    const struct jv *refs = jv_get(tw, "referenced_tweets");

    if (!pull_valid_id(id))
        return;
    if (author && strcmp(author, p->user_id) != 0) {
        p->foreign++;
        /* not this account's post (the bot's table is shared): say whose */
        if (pull_bot_find(p->bots, id) && pull_valid_id(author))
            add_foreign(p, id, author);
        return;
    }
    for (size_t i = 0; i < jv_len(refs); i++) {
        const char *type = jv_str(jv_get(jv_at(refs, i), "type"));
        if (type && strcmp(type, "replied_to") == 0)
            reply_to = jv_str(jv_get(jv_at(refs, i), "id"));
    }
    for (size_t i = 0; reply_user && i < jv_len(users); i++) {
        const char *uid = jv_str(jv_get(jv_at(users, i), "id"));
        if (uid && strcmp(uid, reply_user) == 0)
            reply_username = jv_str(jv_get(jv_at(users, i), "username"));
    }
    const struct pull_bot *b = pull_bot_find(p->bots, id);
    struct pull_row *r = new_row(p, id, resp_id);
    r->has_metrics = metrics && jv_is_object(pm);
    r->has_created = created && xtime_parse(created, &r->created_at, NULL) == 0;
    r->text = jv_str(jv_get(tw, "text"));
    r->kind = b ? b->kind : kind_of(p->user_id, reply_to, reply_user);
    r->parent_tweet_id = b && b->parent_tweet_id ? b->parent_tweet_id : reply_to;
    r->parent_username = b && b->parent_username ? b->parent_username : reply_username;
    if (b)
        bot_fields(r, b);
    else
        r->origin = "timeline";
    if (!r->has_metrics)
        return;
    static const char *const pub[] = { "like_count", "retweet_count", "reply_count", "quote_count",
                                       "bookmark_count", "impression_count" };
    for (int i = 0; i <= PM_IMPRESSIONS; i++)
        r->metric[i] = counter(pm, pub[i]);
    r->metric[PM_URL_CLICKS] = counter(np, "url_link_clicks");
    r->metric[PM_PROFILE_CLICKS] = counter(np, "user_profile_clicks");
    r->metric[PM_IMPRESSIONS_ORGANIC] = counter(om, "impression_count");
    if (np || om)
        r->metrics_extra = metrics_extra(np, om);
}

/* A partial error for one tweet ("errors" of /2/tweets) → a stage row. */
static void stage_error(struct pull_parse *p, const struct jv *e, int64_t resp_id)
{
    const char *id = jv_str(jv_get(e, "resource_id"));
    const char *type = jv_str(jv_get(e, "type"));
    const char *title = jv_str(jv_get(e, "title"));
    const char *detail = jv_str(jv_get(e, "detail"));
    const char *status = "error";

    if (!id)
        id = jv_str(jv_get(e, "value"));
    if (!pull_valid_id(id))
        return;
    if ((type && strstr(type, "not-authorized-for-field")) ||
        (title && strcmp(title, "Field Authorization Error") == 0)) {
        /*
         * X withholds a post instead of its private metrics when the token's
         * user did not write it: another account's post in the bot's shared
         * table, never this account's (nor "protected").  One error per field.
         */
        if (strcmp(p->last_refused, id) != 0) {
            p->field_refused++;
            snprintf(p->last_refused, sizeof p->last_refused, "%s", id);
        }
        return;
    }
    if ((type && strstr(type, "resource-not-found")) || (title && strcmp(title, "Not Found Error") == 0))
        status = "deleted";
    else if ((type && strstr(type, "not-authorized")) || (title && strcmp(title, "Authorization Error") == 0))
        status = "protected";
    const struct pull_bot *b = pull_bot_find(p->bots, id);
    struct pull_row *r = new_row(p, id, resp_id);
    if (b) {
        r->has_created = b->posted_at != 0;
        r->created_at = b->posted_at;
        r->kind = b->kind;
        r->parent_tweet_id = b->parent_tweet_id;
        r->parent_username = b->parent_username;
        bot_fields(r, b);
    }
    r->err_status = status;
    size_t n = 300;
    r->err_detail = xmalloc(n);
    snprintf(r->err_detail, n, "%s%s%s", title ? title : "error", detail ? ": " : "", detail ? detail : "");
    p->warnings++;
}

int pull_parse_body(struct pull_parse *p, const char *endpoint, const struct jv *body, int64_t resp_id)
{
    int before = p->n_rows;
    if (strcmp(endpoint, "/2/users/:id") == 0) {
        const struct jv *pm = jv_get(jv_get(body, "data"), "public_metrics");
        int64_t fc;
        if (jv_int(jv_get(pm, "followers_count"), &fc) && fc >= 0) {
            p->followers = (long)fc;
            p->following = count_or_unknown(pm, "following_count");
            p->tweets = count_or_unknown(pm, "tweet_count");
            p->listed = count_or_unknown(pm, "listed_count");
            p->followers_response = resp_id;
        }
        return 0;
    }
    bool metrics = strcmp(endpoint, "/2/tweets") == 0;
    bool timeline = strcmp(endpoint, "/2/users/:id/tweets") == 0;
    const struct jv *users = jv_get(jv_get(body, "includes"), "users");
    const struct jv *data = jv_get(body, "data");
    for (size_t i = 0; i < jv_len(data) && jv_is_array(data); i++) {
        const struct jv *tw = jv_at(data, i);
        const char *created = jv_str(jv_get(tw, "created_at"));
        int64_t t;
        /* A timeline asked without end_time lists posts made after the as-of too. */
        if (timeline && created && xtime_parse(created, &t, NULL) == 0 && t > p->as_of)
            continue;
        stage_tweet(p, tw, users, resp_id, metrics);
    }
    const struct jv *errors = jv_get(body, "errors");
    for (size_t i = 0; metrics && jv_is_array(errors) && i < jv_len(errors); i++)
        stage_error(p, jv_at(errors, i), resp_id);
    return p->n_rows - before;
}
