/* tests/unit/etl/test_pull_parse.c — X API payloads to pull_stage rows, without a
 * server: metrics, kinds, the bot's record, other accounts' posts, partial
 * errors, refused private metrics, the as-of cut of a timeline, the user counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/json.h"
#include "common/sbuf.h"
#include "common/xtime.h"
#include "etl/pull_parse.h"

#define ME "42"
#define AS_OF 1764000000 /* 2025-11-24T16:00:00Z */

/* Rows borrow from their document: each test keeps its documents until it ends. */
static struct jv *docs[16];
static int ndocs;

static void drop_docs(void)
{
    while (ndocs > 0)
        jv_free(docs[--ndocs]);
}

static int parse(struct pull_parse *p, const char *endpoint, const char *json)
{
    struct jv *j = jv_parse(json, strlen(json), NULL, 0);
    assert_non_null(j);
    assert_true(ndocs < 16);
    docs[ndocs++] = j;
    return pull_parse_body(p, endpoint, j, 7);
}

static void test_tweets_with_metrics(void **state)
{
    struct pull_parse p;
    (void)state;
    pull_parse_init(&p, ME, NULL, AS_OF);
    int n = parse(&p, "/2/tweets",
                  "{\"data\":[{\"id\":\"100\",\"author_id\":\"42\",\"created_at\":\"2025-11-20T10:00:00.000Z\","
                  "\"text\":\"hi\\tthere\",\"public_metrics\":{\"like_count\":5,\"retweet_count\":2,"
                  "\"reply_count\":1,\"quote_count\":0,\"bookmark_count\":3,\"impression_count\":900},"
                  "\"non_public_metrics\":{\"url_link_clicks\":4,\"user_profile_clicks\":6},"
                  "\"organic_metrics\":{\"impression_count\":800}},"
                  "{\"id\":\"101\",\"author_id\":\"42\",\"in_reply_to_user_id\":\"9\","
                  "\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"55\"}],"
                  "\"public_metrics\":{\"like_count\":-1,\"impression_count\":3000000000}},"
                  "{\"id\":\"102\",\"author_id\":\"42\",\"in_reply_to_user_id\":\"42\","
                  "\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"100\"}]},"
                  "{\"id\":\"103\",\"author_id\":\"77\"},{\"id\":\"x1\",\"author_id\":\"42\"}],"
                  "\"includes\":{\"users\":[{\"id\":\"9\",\"username\":\"nine\"}]}}");
    assert_int_equal(n, 3);
    assert_int_equal(p.foreign, 1);
    const struct pull_row *r = &p.rows[0];
    assert_string_equal(r->tweet_id, "100");
    assert_int_equal(r->response_id, 7);
    assert_true(r->has_metrics);
    assert_true(r->has_created);
    assert_int_equal(r->created_at, 1763632800);
    assert_string_equal(r->text, "hi\tthere");
    assert_string_equal(r->kind, "post");
    assert_string_equal(r->origin, "timeline");
    assert_null(r->decision_id);
    assert_int_equal(r->metric[PM_LIKES], 5);
    assert_int_equal(r->metric[PM_RETWEETS], 2);
    assert_int_equal(r->metric[PM_REPLIES], 1);
    assert_int_equal(r->metric[PM_QUOTES], 0);
    assert_int_equal(r->metric[PM_BOOKMARKS], 3);
    assert_int_equal(r->metric[PM_IMPRESSIONS], 900);
    assert_int_equal(r->metric[PM_URL_CLICKS], 4);
    assert_int_equal(r->metric[PM_PROFILE_CLICKS], 6);
    assert_int_equal(r->metric[PM_IMPRESSIONS_ORGANIC], 800);
    assert_string_equal(r->metrics_extra, "{\"non_public_metrics\":{\"url_link_clicks\":4,\"user_profile_clicks\":6},"
                                          "\"organic_metrics\":{\"impression_count\":800}}");
    r = &p.rows[1];
    assert_string_equal(r->kind, "reply");
    assert_string_equal(r->parent_tweet_id, "55");
    assert_string_equal(r->parent_username, "nine");
    assert_false(r->has_created);
    assert_int_equal(r->metric[PM_LIKES], -1);       /* negative: NULL */
    assert_int_equal(r->metric[PM_IMPRESSIONS], -1); /* over int4: NULL */
    assert_int_equal(r->metric[PM_RETWEETS], -1);    /* absent: NULL */
    assert_null(r->metrics_extra);
    r = &p.rows[2];
    assert_string_equal(r->kind, "thread"); /* a reply to the account itself */
    assert_false(r->has_metrics);          /* no public_metrics object */
    assert_int_equal(p.stage_rows, 3);
    pull_parse_clear(&p);
    assert_int_equal(p.n_rows, 0);
    assert_int_equal(p.stage_rows, 3);
    pull_parse_release(&p);
    drop_docs();
}

static void test_bot_record_wins(void **state)
{
    struct pull_bot *b = calloc(2, sizeof *b);
    b[0] = (struct pull_bot){ .tweet_id = xstrdup("300"), .decision_id = xstrdup("11111111-2222-3333-4444-555555555555"),
                              .kind = xstrdup("reply"), .posted_at = 1763000000, .parent_tweet_id = xstrdup("299"),
                              .parent_username = xstrdup("them"), .ct_id = xstrdup("ct1"), .ct_name = xstrdup("tips"),
                              .formula = xstrdup("f"), .hook = xstrdup("h"),
                              .genmeta = xstrdup("{\"viral_formula\":\"f\"}") };
    b[1] = (struct pull_bot){ .tweet_id = xstrdup("200"), .kind = xstrdup("post") };
    struct pull_bots bots = { b, 2 };
    struct pull_parse p;
    (void)state;
    pull_bots_sort(&bots);
    assert_string_equal(bots.v[0].tweet_id, "200");
    assert_non_null(pull_bot_find(&bots, "300"));
    assert_null(pull_bot_find(&bots, "301"));
    pull_parse_init(&p, ME, &bots, AS_OF);
    assert_int_equal(parse(&p, "/2/tweets",
                           "{\"data\":[{\"id\":\"300\",\"author_id\":\"42\",\"public_metrics\":{\"like_count\":1}}],"
                           "\"errors\":[{\"resource_id\":\"200\",\"title\":\"Not Found Error\",\"detail\":\"gone\"},"
                           "{\"value\":\"201\",\"type\":\"https://api.twitter.com/2/problems/not-authorized\","
                           "\"title\":\"Authorization Error\"},"
                           "{\"resource_id\":\"202\",\"title\":\"Odd\"},"
                           "{\"resource_id\":\"203\",\"title\":\"Field Authorization Error\"},"
                           "{\"resource_id\":\"203\",\"title\":\"Field Authorization Error\"},"
                           "{\"resource_id\":\"nope\",\"title\":\"Not Found Error\"}]}"),
                     4);
    const struct pull_row *r = &p.rows[0];
    assert_string_equal(r->kind, "reply");
    assert_string_equal(r->origin, "bot");
    assert_string_equal(r->decision_id, "11111111-2222-3333-4444-555555555555");
    assert_string_equal(r->parent_tweet_id, "299");
    assert_string_equal(r->parent_username, "them");
    assert_string_equal(r->formula, "f");
    assert_string_equal(r->genmeta, "{\"viral_formula\":\"f\"}");
    r = &p.rows[1];
    assert_string_equal(r->tweet_id, "200");
    assert_string_equal(r->err_status, "deleted");
    assert_string_equal(r->err_detail, "Not Found Error: gone");
    assert_string_equal(r->origin, "bot");
    assert_false(r->has_metrics);
    r = &p.rows[2];
    assert_string_equal(r->tweet_id, "201");
    assert_string_equal(r->err_status, "protected");
    assert_null(r->origin);
    assert_string_equal(p.rows[3].err_status, "error");
    assert_string_equal(p.rows[3].err_detail, "Odd");
    assert_int_equal(p.warnings, 3);
    assert_int_equal(p.field_refused, 1); /* one post, however many fields */
    pull_parse_release(&p);
    drop_docs();
    pull_bots_release(&bots);
    assert_null(bots.v);
}

static void test_timeline_and_user(void **state)
{
    struct pull_parse p;
    (void)state;
    pull_parse_init(&p, ME, NULL, AS_OF);
    /* a timeline lists posts after the as-of when asked without end_time: cut here */
    assert_int_equal(parse(&p, "/2/users/:id/tweets",
                           "{\"data\":[{\"id\":\"1\",\"created_at\":\"2025-11-24T15:59:59Z\","
                           "\"public_metrics\":{\"like_count\":1}},"
                           "{\"id\":\"2\",\"created_at\":\"2025-11-24T16:00:01Z\"}]}"),
                     1);
    assert_false(p.rows[0].has_metrics); /* the timeline's counters are not a snapshot */
    /* errors are read from /2/tweets only */
    assert_int_equal(parse(&p, "/2/users/:id/tweets", "{\"errors\":[{\"resource_id\":\"5\"}]}"), 0);
    assert_int_equal(p.followers, -1);
    assert_int_equal(parse(&p, "/2/users/:id",
                           "{\"data\":{\"public_metrics\":{\"followers_count\":1200,\"following_count\":30,"
                           "\"tweet_count\":400}}}"),
                     0);
    assert_int_equal(p.followers, 1200);
    assert_int_equal(p.following, 30);
    assert_int_equal(p.tweets, 400);
    assert_int_equal(p.listed, -1);
    assert_int_equal(p.followers_response, 7);
    /* shapes that are not X's give nothing, and no crash */
    assert_int_equal(parse(&p, "/2/tweets", "{\"data\":{\"id\":\"1\"}}"), 0);
    assert_int_equal(parse(&p, "/2/tweets", "{\"data\":[1,\"x\",null,{\"id\":5}]}"), 0);
    assert_int_equal(parse(&p, "/2/users/:id", "{\"data\":{\"public_metrics\":{\"followers_count\":-3}}}"), 0);
    assert_int_equal(p.followers, 1200);
    pull_parse_release(&p);
    drop_docs();
}

static void test_valid_id(void **state)
{
    (void)state;
    assert_true(pull_valid_id("1"));
    assert_true(pull_valid_id("12345678901234567890"));
    assert_false(pull_valid_id("123456789012345678901"));
    assert_false(pull_valid_id(""));
    assert_false(pull_valid_id(NULL));
    assert_false(pull_valid_id("12a"));
    assert_true(pull_valid_id("18446744073709551615"));
    assert_false(pull_valid_id("1.12345678901235E+18")); /* a spreadsheet's rounding of an id */
}

/* The rule of the regex it replaced: 8-4-4-4-12 hex digits, each hyphen optional, either case. */
static void test_decision_uuid(void **state)
{
    char u[37];
    (void)state;
    assert_true(pull_decision_uuid("0f8fad5b-d9cb-469f-a165-70867728950e", u));
    assert_string_equal(u, "0f8fad5b-d9cb-469f-a165-70867728950e");
    assert_true(pull_decision_uuid("0F8FAD5BD9CB469FA16570867728950E", u));
    assert_string_equal(u, "0f8fad5b-d9cb-469f-a165-70867728950e");
    assert_true(pull_decision_uuid("0f8fad5bd9cb-469fa165-70867728950e", u));
    assert_string_equal(u, "0f8fad5b-d9cb-469f-a165-70867728950e");
    assert_false(pull_decision_uuid("0f8fad5b-d9cb-469f-a165-70867728950", u));   /* one digit short */
    assert_false(pull_decision_uuid("0f8fad5b-d9cb-469f-a165-70867728950e0", u)); /* one too many */
    assert_false(pull_decision_uuid("0f8fad5b--d9cb-469f-a165-70867728950e", u));
    assert_false(pull_decision_uuid("0f8fad5-bd9cb-469f-a165-70867728950e", u));  /* a hyphen out of place */
    assert_false(pull_decision_uuid("{0f8fad5b-d9cb-469f-a165-70867728950e}", u)); /* uuid input would take it */
    assert_false(pull_decision_uuid("0g8fad5b-d9cb-469f-a165-70867728950e", u));
    assert_false(pull_decision_uuid("12345", u));
    assert_false(pull_decision_uuid("", u));
    assert_false(pull_decision_uuid(NULL, u));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tweets_with_metrics),
        cmocka_unit_test(test_bot_record_wins),
        cmocka_unit_test(test_timeline_and_user),
        cmocka_unit_test(test_valid_id),
        cmocka_unit_test(test_decision_uuid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
