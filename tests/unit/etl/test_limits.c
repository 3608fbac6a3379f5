/*
 * tests/unit/etl/test_limits.c — what the other end or the machine may throw at
 * xetl, handled without overflow, silent truncation or leaked secrets:
 * absurd rate-limit headers, schedules near 2^63 s, config lines over the
 * limit, bodies echoing the bearer token, formula-looking report cells,
 * planted temp-file names, full disks.
 */
#include <errno.h>
#include <limits.h>
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

#include "common/config.h"
#include "common/sbuf.h"
#include "etl/pull.h"
#include "etl/xapi.h"
#include "reports/csv_out.h"
#include "reports/report.h"

static void test_rate_limit_clamped(void **state)
{
    (void)state;
    /* x-rate-limit-reset = 2^63-1, Retry-After = LONG_MAX: a bounded wait, never an overflow. */
    assert_int_equal(xapi_rate_limit_wait(1000, INT64_MAX, -1), XAPI_WAIT_CAP_S);
    assert_int_equal(xapi_rate_limit_wait(1000, INT64_MAX - 1, -1), XAPI_WAIT_CAP_S);
    assert_int_equal(xapi_rate_limit_wait(1000, 0, LONG_MAX), XAPI_WAIT_CAP_S);
    assert_int_equal(xapi_rate_limit_wait(1000, 1000 + 10 * XAPI_WAIT_CAP_S, -1), XAPI_WAIT_CAP_S);
    assert_int_equal(xapi_rate_limit_wait(INT64_MAX, 5, -1), 1); /* a reset long past */
    assert_int_equal(xapi_rate_limit_wait(1000, 1030, -1), 31);   /* ordinary values unchanged */
}

static void test_schedule_overflow(void **state)
{
    struct pull_tier t[PULL_MAX_TIERS];
    struct xerr err = { 0 };
    int n = 0;
    (void)state;
    assert_int_equal(pull_parse_schedule("9223372036854775807h:0", t, &n, &err), XETL_EX_CONFIG);
    assert_non_null(strstr(err.msg, "refresh_schedule"));
    assert_int_equal(pull_parse_schedule("99999999999999999999:0", t, &n, &err), XETL_EX_CONFIG);
    assert_int_equal(pull_parse_schedule("6h:9223372036854775807d", t, &n, &err), XETL_EX_CONFIG);
    assert_int_equal(pull_parse_schedule("106751991167301d:0", t, &n, &err), XETL_EX_CONFIG);
    /* The largest day count that fits still parses. */
    assert_int_equal(pull_parse_schedule("106751991167d:0", t, &n, &err), 0);
    assert_int_equal(t[0].age_s, 106751991167LL * 86400);
}

static void test_config_long_line(void **state)
{
    char path[] = "/tmp/xetl-unit-limits-XXXXXX";
    struct xerr err = { 0 };
    int fd = mkstemp(path);
    FILE *fp;
    (void)state;
    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    fprintf(fp, "mail_to = ");
    for (int i = 0; i < 5000; i++)
        fputc('a', fp);
    fprintf(fp, "\npull.retries = 2\n");
    fclose(fp);
    struct config *cfg = config_new();
    assert_int_equal(config_load_file(cfg, path, false, &err), XETL_EX_CONFIG);
    assert_non_null(strstr(err.msg, ":1: line longer than 4094 bytes"));
    config_free(cfg);

    /* A line of exactly the limit is read whole. */
    fp = fopen(path, "w");
    fprintf(fp, "mail_to = ");
    for (int i = 0; i < 4094 - 10; i++)
        fputc('b', fp);
    fprintf(fp, "\n");
    fclose(fp);
    cfg = config_new();
    assert_int_equal(config_load_file(cfg, path, false, &err), 0);
    assert_int_equal(strlen(config_get(cfg, "mail_to")), 4094 - 10);
    config_free(cfg);
    unlink(path);
}

static void test_redact_body(void **state)
{
    static const char token[] = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F";
    struct sbuf out = SBUF_INIT;
    char body[1024];
    (void)state;
    sbuf_init(&out);
    /* A proxy page echoing the header, and the bare token elsewhere. */
    snprintf(body, sizeof body, "<pre>Authorization: Bearer %s\nX-Token: %s</pre>", token, token);
    xapi_redact_body(body, strlen(body), token, &out);
    assert_null(strstr(out.buf, token));
    assert_string_equal(out.buf, "<pre>Authorization: Bearer [redacted]\nX-Token: [redacted]</pre>");
    /* Any bearer-shaped credential, whatever its value, in JSON too; %20 as the blank. */
    const char *j = "{\"debug\":\"bearer  abcdefghijklmnop0123\",\"u\":\"Bearer%20ZZZZZZZZZZZZZZZZZZZZ\"}";
    xapi_redact_body(j, strlen(j), token, &out);
    assert_string_equal(out.buf, "{\"debug\":\"bearer  [redacted]\",\"u\":\"Bearer%20[redacted]\"}");
    /* Prose is left alone: short words after "bearer", or no blank at all. */
    const char *prose = "the bearer of bad news; Bearerxyzxyzxyzxyzxyzxyz; bearer abc";
    xapi_redact_body(prose, strlen(prose), token, &out);
    assert_string_equal(out.buf, prose);
    /* Binary bodies with NUL bytes keep their length and bytes outside the token. */
    char bin[64];
    memset(bin, 0, sizeof bin);
    bin[10] = (char)0xff;
    xapi_redact_body(bin, sizeof bin, token, &out);
    assert_int_equal(out.len, sizeof bin);
    assert_memory_equal(out.buf, bin, sizeof bin);
    sbuf_release(&out);
}

static void test_formula_cells(void **state)
{
    static const struct rcol cols[] = { { "text", "Text", RC_TEXT, 1 }, { "n", "N", RC_NUM, 1 } };
    static const char *const src[] = { "=HYPERLINK(\"http://x\")", "-0.0066", "+1 follow", "-3",
                                       "@SUM(A1)", "+5", "\tTAB", "1", "\r=cr", "2", "plain - text", "-",
                                       "-", NULL };
    char dir[] = "/tmp/xetl-unit-limits-d-XXXXXX", path[256], buf[1024];
    char *cells[14];
    struct xerr err = { 0 };
    struct stat st;
    (void)state;
    assert_non_null(mkdtemp(dir));
    for (int i = 0; i < 14; i++)
        cells[i] = src[i] ? strdup(src[i]) : NULL;
    struct rtab t = { cols, 2, 7, 7, cells };
    snprintf(path, sizeof path, "%s/f.csv", dir);
    assert_int_equal(csvout_write(&t, path, 0640, &err), 0);
    FILE *fp = fopen(path, "rb");
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    /* Text cells get a leading apostrophe; numeric cells (negative numbers) are left as they are. */
    assert_string_equal(buf, "text,n\r\n"
                             "\"'=HYPERLINK(\"\"http://x\"\")\",-0.0066\r\n"
                             "'+1 follow,-3\r\n"
                             "'@SUM(A1),+5\r\n"
                             "'\tTAB,1\r\n"
                             "\"'\r=cr\",2\r\n"
                             "plain - text,-\r\n"
                             "'-,\r\n");
    /* The file mode is the one asked for, whatever the umask. */
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_true(csvout_is_formula("=1") && !csvout_is_formula("1=") && !csvout_is_formula(NULL));
    for (int i = 0; i < 14; i++)
        free(cells[i]);
    unlink(path);
    rmdir(dir);
}

static void test_planted_temp_name(void **state)
{
    char dir[] = "/tmp/xetl-unit-limits-p-XXXXXX", path[256], guess[512], victim[256], tmp[512];
    struct xerr err = { 0 };
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/xetl-roi-a-2026-11-01_2026-11-07-posts.csv", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    FILE *fp = fopen(victim, "w");
    fputs("keep me\n", fp);
    fclose(fp);
    /* A symlink at the old, predictable temp name is never followed. */
    report_tmp_name(path, guess, sizeof guess);
    assert_int_equal(symlink(victim, guess), 0);
    int fd = report_tmp_open(path, tmp, sizeof tmp, &err);
    assert_true(fd >= 0);
    assert_string_not_equal(tmp, guess);
    assert_int_equal(strncmp(tmp, guess, strlen(guess)), 0); /* same prefix: the sweep still finds it */
    assert_int_equal(write(fd, "x", 1), 1);
    close(fd);
    fp = fopen(victim, "r");
    char line[32] = "";
    assert_non_null(fgets(line, sizeof line, fp));
    fclose(fp);
    assert_string_equal(line, "keep me\n");
    unlink(tmp);
    unlink(guess);
    unlink(victim);
    rmdir(dir);
}

static void test_file_mode_and_io_class(void **state)
{
    struct config *cfg = config_new();
    struct xerr err = { 0 };
    mode_t m = 0;
    (void)state;
    assert_int_equal(report_file_mode(cfg, &m, &err), 0);
    assert_int_equal(m, 0640);
    setenv("XETL_REPORT_FILE_MODE", "0600", 1);
    assert_int_equal(report_file_mode(cfg, &m, &err), 0);
    assert_int_equal(m, 0600);
    setenv("XETL_REPORT_FILE_MODE", "0999", 1);
    assert_int_equal(report_file_mode(cfg, &m, &err), XETL_EX_CONFIG);
    setenv("XETL_REPORT_FILE_MODE", "10000", 1);
    assert_int_equal(report_file_mode(cfg, &m, &err), XETL_EX_CONFIG);
    setenv("XETL_REPORT_FILE_MODE", "0240", 1); /* the owner could not read them back */
    assert_int_equal(report_file_mode(cfg, &m, &err), XETL_EX_CONFIG);
    unsetenv("XETL_REPORT_FILE_MODE");
    config_free(cfg);
    assert_int_equal(report_io_code(ENOSPC), XETL_EX_IOERR);
    assert_int_equal(report_io_code(EFBIG), XETL_EX_IOERR);
    assert_int_equal(report_io_code(EDQUOT), XETL_EX_IOERR);
    assert_int_equal(report_io_code(EACCES), XETL_EX_CANTCREAT); /* the path is the operator's to fix */
    assert_int_equal(report_io_code(EIO), XETL_EX_IOERR);        /* the device failed: not a bug in xetl */
    assert_int_equal(report_io_code(EISDIR), XETL_EX_CANTCREAT); /* a directory at a report's name */
    assert_int_equal(report_io_code(EINVAL), XETL_EX_SOFTWARE);
    assert_int_equal(report_io_error(&err, ENOSPC, "write", "/r/x.csv"), 74);
    assert_non_null(strstr(err.msg, "cannot write '/r/x.csv': No space left on device"));
    assert_int_equal(report_io_error(&err, EIO, "sync", "/r/x.csv"), 74);
    assert_non_null(strstr(err.msg, "(the device failed; no report was written under that name)"));
}

/* The end-of-run sync of a nightly's reports: a FIFO planted under a report's name neither
 * blocks it nor passes for synced, and a file gone since is an error naming it. */
static void test_sync_files_bad_paths(void **state)
{
    char dir[] = "/tmp/xetl-test-sync.XXXXXX", good[64], fifo[64], gone[64];
    char *paths[2];
    struct report_files files = { paths, 2 };
    struct xerr err = { 0 };
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(good, sizeof good, "%s/a.csv", dir);
    snprintf(fifo, sizeof fifo, "%s/b.csv", dir);
    snprintf(gone, sizeof gone, "%s/c.csv", dir);
    FILE *f = fopen(good, "w");
    assert_non_null(f);
    fputs("x\n", f);
    fclose(f);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    paths[0] = good;
    paths[1] = fifo;
    assert_int_equal(report_sync_files(&files, &err), XETL_EX_SOFTWARE);
    assert_non_null(strstr(err.msg, fifo));
    paths[1] = gone;
    assert_int_equal(report_sync_files(&files, &err), XETL_EX_CANTCREAT);
    assert_non_null(strstr(err.msg, gone));
    files.n = 1;
    assert_int_equal(report_sync_files(&files, &err), 0);
    unlink(good);
    unlink(fifo);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_limit_clamped),
        cmocka_unit_test(test_schedule_overflow),
        cmocka_unit_test(test_config_long_line),
        cmocka_unit_test(test_redact_body),
        cmocka_unit_test(test_formula_cells),
        cmocka_unit_test(test_planted_temp_name),
        cmocka_unit_test(test_file_mode_and_io_class),
        cmocka_unit_test(test_sync_files_bad_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
