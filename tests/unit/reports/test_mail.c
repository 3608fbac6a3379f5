/*
 * tests/unit/reports/test_mail.c — the mail's subject and body read back
 * from a report's CSVs by column name: a summary and a roll-up whose columns
 * are in an order of their own give the same lines; the values, passed as
 * structs, format as money and percentages by unit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/sbuf.h"
#include "reports/mail.h"

static char dir[] = "/tmp/xetl-test_mail.XXXXXX";

static void put(const char *name, const char *text, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_lines(void **state)
{
    struct sbuf sb = SBUF_INIT;
    char followers[64] = "";
    (void)state;
    sbuf_init(&sb);
    struct mail_headline cost = { "cost", "usd", "10.5", "" };
    mail_headline_line(&cost, &sb, followers, sizeof followers);
    assert_non_null(strstr(sb.buf, "$10.50"));
    assert_non_null(strstr(sb.buf, "(previous period no data)"));
    assert_string_equal(followers, "");
    struct mail_headline fg = { "followers gained", "count", "-4", "7" };
    mail_headline_line(&fg, &sb, followers, sizeof followers);
    assert_string_equal(followers, "-4");
    struct mail_board agency = { "agency", "", "all accounts", "300", "20", "1.5", "up 3" };
    mail_board_line(&agency, &sb);
    assert_non_null(strstr(sb.buf, "all accounts"));
    assert_non_null(strstr(sb.buf, "150.00%"));
    sbuf_release(&sb);
}

static void test_summary_by_name(void **state)
{
    char path[300], xlsx[300], *subject, *body;
    (void)state;
    /* the summary's columns moved about: the mail still finds them by name */
    put("xetl-roi-acme-2026-11-18_2026-11-24-summary.csv",
        "note,unit,current,section,previous,item,rank\r\n"
        ",count,188,headline,168,followers gained,1\r\n"
        ",ratio,0.028547,headline,0.023,engagement rate,6\r\n"
        "x,score,0.5,best formulas,,contrarian,1\r\n",
        path, sizeof path);
    snprintf(xlsx, sizeof xlsx, "%s/xetl-roi-acme-2026-11-18_2026-11-24.xlsx", dir);
    char *files[] = { xlsx };
    mail_compose(files, 1, &subject, &body);
    assert_string_equal(subject, "xetl ROI @acme 2026-11-18 to 2026-11-24: +188 followers");
    assert_non_null(strstr(body, "2.85%"));
    assert_non_null(strstr(body, "(previous period 2.30%)"));
    assert_null(strstr(body, "contrarian"));
    free(subject);
    free(body);
    unlink(path);
}

static void test_rollup_by_name(void **state)
{
    char path[300], *subject, *body;
    (void)state;
    put("xetl-rollup-2026-11-18_2026-11-24.csv",
        "trend,section,name,rank,followers_gained,accounts,roi,cost_usd,note\r\n"
        "up 5,leaderboard,acme,1,120,1,0.25,10,\r\n"
        "flat,leaderboard,beta,2,80,1,,,no cost\r\n"
        "up 9,agency,all accounts,,200,2,,,\r\n",
        path, sizeof path);
    char *files[] = { path };
    mail_compose(files, 1, &subject, &body);
    assert_string_equal(subject, "xetl ROI roll-up 2026-11-18 to 2026-11-24: +200 followers across 2 accounts");
    assert_non_null(strstr(body, "acme"));
    assert_non_null(strstr(body, "$10.00"));
    assert_non_null(strstr(body, "25.00%"));
    assert_non_null(strstr(body, "up 9"));
    free(subject);
    free(body);
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
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_summary_by_name),
        cmocka_unit_test(test_rollup_by_name),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
