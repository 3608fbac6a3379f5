/* tests/unit/etl/test_import_cols.c — header aliases and format detection (no server). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "etl/import.h"
#include "etl/import_cols.h"

static enum import_format detect(const char *csv_header)
{
    char buf[1024], *fields[64];
    int n = 0;
    snprintf(buf, sizeof buf, "%s", csv_header);
    for (char *p = strtok(buf, ","); p && n < 64; p = strtok(NULL, ","))
        fields[n++] = p;
    return import_detect(fields, n);
}

static void test_detect(void **state)
{
    (void)state;
    assert_int_equal(detect("Tweet id,Tweet permalink,Tweet text,time,impressions,engagements,engagement rate,"
                            "retweets,replies,likes,user profile clicks,url clicks,hashtag clicks,detail expands,"
                            "permalink clicks,app opens,app installs,follows,email tweet,dial phone,media views,"
                            "media engagements"),
                     IMPORT_TWEET_ACTIVITY);
    assert_int_equal(detect("TWEET ID,TIME,IMPRESSIONS"), IMPORT_TWEET_ACTIVITY);
    assert_int_equal(detect("Post id,Date,Post text,Post Link,Impressions,Likes,Engagements,Bookmarks,Shares,"
                            "New follows,Replies,Reposts,Profile visits,Detail Expands,URL Clicks"),
                     IMPORT_CONTENT);
    assert_int_equal(detect("Impressions,post_id,  Date ,Whatever"), IMPORT_CONTENT); /* any order */
    assert_int_equal(detect("Date,Impressions,Likes,Engagements,Bookmarks,Shares,New follows,Unfollows,"
                            "Replies,Reposts,Profile visits,Create Post,Video views,Media views"),
                     IMPORT_OVERVIEW);
    assert_int_equal(detect("name,age"), IMPORT_UNKNOWN);
    assert_int_equal(detect("Post id,Impressions"), IMPORT_UNKNOWN); /* no time */
    assert_int_equal(detect("Post id,Date"), IMPORT_UNKNOWN);        /* no metric */
    assert_string_equal(import_format_name(IMPORT_OVERVIEW), "account overview");
}

static void test_aliases(void **state)
{
    (void)state;
    assert_int_equal(import_col_of("Tweet id"), C_ID);
    assert_int_equal(import_col_of("  POST_ID "), C_ID);
    assert_int_equal(import_col_of("user   profile_clicks"), C_PROFILE_CLICKS);
    assert_int_equal(import_col_of("Profile visits"), C_PROFILE_CLICKS);
    assert_int_equal(import_col_of("Reposts"), C_RETWEETS);
    assert_int_equal(import_col_of("New follows"), C_FOLLOWS);
    assert_int_equal(import_col_of("favourites"), -1);
    assert_string_equal(import_col_key(C_PROFILE_CLICKS), "user_profile_clicks");
    assert_int_equal(import_col_kind(C_ENG_RATE), K_RATE);
    assert_int_equal(import_col_kind(C_TIME), K_TIME);
}

/* A repeated column is kept by name as an unknown one; the first is the known one. */
static void test_colmap(void **state)
{
    (void)state;
    char h0[] = "Tweet id", h1[] = "likes", h2[] = "Likes", h3[] = "mystery", h4[] = "time";
    char *h[] = { h0, h1, h2, h3, h4 };
    struct colmap m = { 0 };
    colmap_build(&m, h, 5);
    assert_int_equal(m.ncols, 5);
    assert_int_equal(m.idx[C_ID], 0);
    assert_int_equal(m.idx[C_LIKES], 1);
    assert_int_equal(m.idx[C_TIME], 4);
    assert_int_equal(m.idx[C_IMPRESSIONS], -1);
    assert_int_equal(m.known[2], -1);
    assert_int_equal(m.known[3], -1);
    assert_string_equal(m.names[2], "Likes");
    assert_int_equal(colmap_format(&m, h), IMPORT_TWEET_ACTIVITY);
    colmap_release(&m);
    colmap_release(&m); /* released twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_colmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
