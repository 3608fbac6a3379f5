/*
 * tests/unit/reports/test_report.c — the report's pieces that need no database:
 * file names, format lists, RFC 4180 output and atomic replacement, the
 * mail subject/body read back from a summary CSV, the loopback rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/xtime.h"
#include "reports/csv_out.h"
#include "reports/mail.h"
#include "reports/report.h"

static char dir[] = "/tmp/xetl-test_report.XXXXXX";

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void test_base_name(void **state)
{
    char out[128];
    struct xrange r;
    char msg[128];
    (void)state;
    /* --from/--to dates are inclusive: the file names the last day, not the exclusive end. */
    assert_int_equal(xrange_from_args("2026-11-18", "2026-11-24", 0, 7, &r, msg, sizeof msg), 0);
    report_base_name("acme", &r, out, sizeof out);
    assert_string_equal(out, "xetl-roi-acme-2026-11-18_2026-11-24");
}

static void test_formats(void **state)
{
    struct report_opts o;
    struct xerr err = { 0, "" };
    (void)state;
    assert_int_equal(report_parse_formats("csv,xlsx", &o, &err), 0);
    assert_true(o.csv && o.xlsx);
    assert_int_equal(report_parse_formats("xlsx", &o, &err), 0);
    assert_true(!o.csv && o.xlsx);
    assert_int_equal(report_parse_formats("csv, pdf", &o, &err), 64);
    assert_non_null(strstr(err.msg, "'pdf'"));
    assert_int_equal(report_parse_formats("", &o, &err), 64);
}

static void test_csv_quoting_and_replace(void **state)
{
    static const struct rcol cols[] = { { "id", "Id", RC_ID, 1 }, { "text", "Text", RC_TEXT, 1 },
                                        { "n", "N", RC_INT, 1 } };
    static const char *const src[] = { "1860000000000000001", "plain", "3",
                                       "2", "a, \"quoted\"\nline", NULL,
                                       "3", " padded", "0" };
    char *cells[9];
    for (int i = 0; i < 9; i++)
        cells[i] = src[i] ? strdup(src[i]) : NULL;
    struct rtab t = { cols, 3, 3, 3, cells };
    struct xerr err = { 0, "" };
    char path[256];
    struct stat st;
    (void)state;
    snprintf(path, sizeof path, "%s/t.csv", dir);
    assert_int_equal(csvout_write(&t, path, 0640, &err), 0);
    assert_string_equal(slurp(path), "id,text,n\r\n"
                                     "1860000000000000001,plain,3\r\n"
                                     "2,\"a, \"\"quoted\"\"\nline\",\r\n"
                                     "3,\" padded\",0\r\n");
    /* Rewriting replaces the file whole, and leaves no temp file beside it. */
    t.nrows = 1;
    assert_int_equal(csvout_write(&t, path, 0640, &err), 0);
    assert_string_equal(slurp(path), "id,text,n\r\n1860000000000000001,plain,3\r\n");
    char tmp[512];
    report_tmp_name(path, tmp, sizeof tmp);
    assert_int_equal(stat(tmp, &st), -1);
    /* A directory that does not exist: an error naming the temp file, no final file. */
    snprintf(path, sizeof path, "%s/nope/t.csv", dir);
    assert_int_equal(csvout_write(&t, path, 0640, &err), 73); /* EX_CANTCREAT */
    assert_non_null(strstr(err.msg, "cannot create"));
    for (int i = 0; i < 9; i++)
        free(cells[i]);
}

static void test_mail_compose(void **state)
{
    char path[256], *subject, *body;
    FILE *fp;
    (void)state;
    snprintf(path, sizeof path, "%s/xetl-roi-acme-2026-11-18_2026-11-24-summary.csv", dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("section,rank,item,basis,unit,current,previous,change,change_pct,posts,followers_per_post,note\r\n"
          "headline,1,followers gained,activity in the period,count,188,168,20,0.1190,,,\r\n"
          "headline,2,cost,activity in the period,usd,10.50,10.50,0.00,0.0000,,,\r\n"
          "headline,6,engagement rate,\"lifetime, of posts\",ratio,0.028547,0.023,0.005547,0.24,,,\r\n"
          "best formulas,1,contrarian,learning,score,0.5,,,,10,4.00,x\r\n", fp);
    fclose(fp);
    char xlsx[300];
    snprintf(xlsx, sizeof xlsx, "%s/xetl-roi-acme-2026-11-18_2026-11-24.xlsx", dir);
    char *files[] = { xlsx };
    mail_compose(files, 1, &subject, &body);
    assert_string_equal(subject, "xetl ROI @acme 2026-11-18 to 2026-11-24: +188 followers");
    assert_non_null(strstr(body, "followers gained"));
    assert_non_null(strstr(body, "$10.50"));
    assert_non_null(strstr(body, "2.85%"));
    assert_null(strstr(body, "contrarian"));
    assert_non_null(strstr(body, "xetl-roi-acme-2026-11-18_2026-11-24.xlsx"));
    free(subject);
    free(body);

    char other[] = "/tmp/notes.txt";
    char *files2[] = { other };
    mail_compose(files2, 1, &subject, &body);
    assert_string_equal(subject, "xetl: 1 file");
    free(subject);
    free(body);
}

static void test_loopback(void **state)
{
    (void)state;
    assert_true(mail_host_is_loopback("127.0.0.1"));
    assert_true(mail_host_is_loopback("127.3.2.1"));
    assert_true(mail_host_is_loopback("localhost"));
    assert_true(mail_host_is_loopback("[::1]"));
    assert_false(mail_host_is_loopback("128.0.0.1"));
    assert_false(mail_host_is_loopback("127.0.0.1.example.com"));
    assert_false(mail_host_is_loopback("mail.example.com"));
    assert_false(mail_host_is_loopback("10.0.0.1"));
    assert_false(mail_host_is_loopback(NULL));
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[256];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_name),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_csv_quoting_and_replace),
        cmocka_unit_test(test_mail_compose),
        cmocka_unit_test(test_loopback),
    };
    return cmocka_run_group_tests_name("report", tests, setup, teardown);
}
