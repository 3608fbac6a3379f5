/*
 * tests/unit/reports/test_xlsx.c — the workbook writer without a server: a
 * report built by hand, its tables' columns in an order of the test's own,
 * written and read back by a real reader (tests/lib/read_xlsx.py, openpyxl).
 * The conditional formats and cells must land on the columns named
 * engagement_rate_lifetime etc. wherever they are: xlsx finds columns by
 * name, not by position.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/sbuf.h"
#include "common/xtime.h"
#include "reports/rtab.h"
#include "reports/xlsx.h"

static char dir[] = "/tmp/xetl-test_xlsx.XXXXXX";

/* Columns in an order of their own (the report's order differs). */
static const struct rcol summary_cols[] = {
    { "note", "Note", RC_TEXT, 50 },          { "section", "Section", RC_TEXT, 18 },
    { "item", "Metric", RC_TEXT, 30 },        { "unit", "Unit", RC_UNIT, 7 },
    { "current", "This period", RC_NUM, 14 }, { "previous", "Previous period", RC_NUM, 14 },
    { "change", "Change", RC_NUM, 12 },       { "change_pct", "Change %", RC_PCT, 10 },
    { "basis", "Basis", RC_TEXT, 34 },        { "rank", "Rank", RC_INT, 6 },
    { "posts", "Posts", RC_INT, 10 },         { "followers_per_post", "Followers per post", RC_NUM, 12 },
};
static const struct rcol posts_cols[] = {
    { "tweet_id", "Tweet id", RC_ID, 21 },
    { "engagement_rate_lifetime", "Engagement rate (lifetime)", RC_PCT, 11 },
    { "followers_attributed_7d", "Followers attributed (7 d)", RC_INT, 11 },
};
static const struct rcol group_cols[] = {
    { "name", "Name", RC_TEXT, 24 },
    { "note", "Note", RC_TEXT, 40 },
    { "selection_score", "Chance of being the best", RC_PCT, 13 },
    { "posts_in_period", "Posts", RC_INT, 11 },
    { "followers_per_post_7d", "Followers per post (7 d)", RC_NUM, 14 },
};
static const struct rcol attr_cols[] = {
    { "confidence", "Confidence", RC_PCT, 11 },
    { "tweet_id", "Tweet id", RC_ID, 21 },
};
static const struct rcol daily_cols[] = {
    { "day", "Day (UTC)", RC_DATE, 11 },
    { "followers_change", "Follower change", RC_INT, 11 },
    { "followers_end_of_day", "Followers (end of day)", RC_INT, 11 },
};

static int64_t t_of(const char *s)
{
    int64_t t;
    bool date_only;
    assert_int_equal(xtime_parse(s, &t, &date_only), 0);
    return t;
}

static void build(struct report_data *d)
{
    memset(d, 0, sizeof *d);
    snprintf(d->acct.handle, sizeof d->acct.handle, "acme");
    d->range.from = t_of("2026-11-18");
    d->range.to = t_of("2026-11-25");
    d->prev.to = d->range.from;
    d->prev.from = d->range.from - (d->range.to - d->range.from);
    d->as_of = t_of("2026-11-25T06:00:00Z");
    snprintf(d->from_date, sizeof d->from_date, "2026-11-18");
    snprintf(d->to_date, sizeof d->to_date, "2026-11-24");
    d->file_mode = 0640;
    for (int i = 0; i < 7; i++)
        for (int h = 0; h < 24; h++)
            d->heat[i][h] = NAN;
    rtab_init(&d->summary, summary_cols, 12);
    const char *head[12] = { NULL, "headline", "followers gained", "count", "188", "168", "20", "0.1190",
                             "activity in the period", "1", NULL, NULL };
    rtab_add_row(&d->summary, head);
    rtab_init(&d->posts, posts_cols, 3);
    const char *p1[] = { "1860000000000000001", "0.0285", "95" }, *p2[] = { "1860000000000000002", "0.0120", "3" };
    rtab_add_row(&d->posts, p1);
    rtab_add_row(&d->posts, p2);
    struct rtab *groups[] = { &d->content_types, &d->formulas, &d->hooks };
    for (int g = 0; g < 3; g++) {
        rtab_init(groups[g], group_cols, 5);
        const char *r1[] = { "thread", NULL, "0.6", "6", "4.5" }, *r2[] = { "poll", "few posts", NULL, "1", "9" };
        rtab_add_row(groups[g], r1);
        rtab_add_row(groups[g], r2);
    }
    rtab_init(&d->attribution, attr_cols, 2);
    const char *a1[] = { "0.81", "1860000000000000001" };
    rtab_add_row(&d->attribution, a1);
    rtab_init(&d->daily, daily_cols, 3);
    const char *d1[] = { "2026-11-18", "12", "1012" }, *d2[] = { "2026-11-19", "-3", "1009" };
    rtab_add_row(&d->daily, d1);
    rtab_add_row(&d->daily, d2);
}

static void release(struct report_data *d)
{
    struct rtab *t[] = { &d->summary, &d->posts, &d->content_types, &d->formulas, &d->hooks, &d->attribution,
                         &d->daily };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        rtab_release(t[i]);
}

/* The reader's facts about the workbook, one per line. */
static char *read_back(const char *path)
{
    char cmd[1024];
    const char *py = getenv("XETL_PYTHON");
    struct sbuf out = SBUF_INIT;
    char buf[4096];
    size_t n;
    snprintf(cmd, sizeof cmd, "%s tests/lib/read_xlsx.py '%s'", py && *py ? py : "python3", path);
    FILE *fp = popen(cmd, "r");
    assert_non_null(fp);
    sbuf_init(&out);
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        sbuf_add(&out, buf, n);
    assert_int_equal(pclose(fp), 0);
    return sbuf_detach(&out);
}

static void test_columns_by_name(void **state)
{
    struct report_data d;
    struct xerr err = { 0 };
    char path[300];
    (void)state;
    build(&d);
    snprintf(path, sizeof path, "%s/xetl-roi-acme-2026-11-18_2026-11-24.xlsx", dir);
    assert_int_equal(xlsx_write(&d, path, &err), 0);
    char *facts = read_back(path);
    assert_non_null(strstr(facts, "sheets\tSummary,Posts,Content types,Formulas,Hooks,Attribution,Daily health,"
                                  "Timing\n"));
    assert_non_null(strstr(facts, "created\t2026-11-25T06:00:00Z\n"));
    /* engagement rate is column B here, followers attributed C: the formats follow the names */
    assert_non_null(strstr(facts, "condfmt\tPosts\tB2:B3\tcolorScale\n"));
    assert_non_null(strstr(facts, "condfmt\tPosts\tC2:C3\tdataBar\n"));
    /* only the ranked group (the small one is last, with its note) is coloured */
    assert_non_null(strstr(facts, "condfmt\tContent types\tC2\tdataBar\n"));
    assert_non_null(strstr(facts, "condfmt\tContent types\tE2\tcolorScale\n"));
    assert_non_null(strstr(facts, "condfmt\tAttribution\tA2\tdataBar\n"));
    assert_non_null(strstr(facts, "condfmt\tDaily health\tB2:B3\tcolorScale\n"));
    /* tweet ids stay text; the headline row is read by name from the summary */
    assert_non_null(strstr(facts, "cell\tPosts\tA2\ts\t1860000000000000001\t"));
    assert_non_null(strstr(facts, "cell\tSummary\tA6\ts\tFollowers gained\t"));
    assert_non_null(strstr(facts, "cell\tSummary\tC6\tn\t188"));
    assert_non_null(strstr(facts, "cell\tSummary\tD6\tn\t168"));
    free(facts);
    release(&d);
    unlink(path);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_by_name),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
