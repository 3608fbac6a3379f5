/* tests/unit/test_csv_in.c — the streaming CSV reader: quirks, line numbers, raw text, SHA-256. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/sbuf.h"
#include "etl/csv_in.h"

static struct csv_in *reader_on(const char *data, size_t len, FILE **f)
{
    *f = fmemopen((void *)data, len, "rb");
    assert_non_null(*f);
    return csv_in_from_stream(*f);
}

static const struct csv_record *next(struct csv_in *r)
{
    const struct csv_record *rec;
    struct xerr err = { 0 };
    assert_int_equal(csv_in_next(r, &rec, &err), 0);
    return rec;
}

static void test_quirks(void **state)
{
    (void)state;
    static const char data[] = "\xEF\xBB\xBFid,text,n\r\n"
                               "1,\"a, \"\"quoted\"\"\r\nsecond line\",3\r\n"
                               "\r\n"
                               "2,plain \xF0\x9F\x9A\x80,4\r\n";
    FILE *f;
    struct csv_in *r = reader_on(data, sizeof data - 1, &f);
    const struct csv_record *rec = next(r);
    assert_non_null(rec);
    assert_true(csv_in_had_bom(r));
    assert_int_equal(rec->nfields, 3);
    assert_string_equal(rec->fields[0], "id"); /* BOM skipped */
    assert_int_equal(rec->line, 1);

    rec = next(r);
    assert_non_null(rec);
    assert_int_equal(rec->line, 2);
    assert_int_equal(rec->last_line, 3);
    assert_int_equal(rec->nfields, 3);
    assert_string_equal(rec->fields[1], "a, \"quoted\"\r\nsecond line");
    assert_string_equal(rec->fields[2], "3");
    assert_string_equal(rec->raw, "1,\"a, \"\"quoted\"\"\r\nsecond line\",3");
    assert_false(rec->no_newline);

    rec = next(r); /* the blank line is skipped */
    assert_non_null(rec);
    assert_int_equal(rec->line, 5);
    assert_string_equal(rec->fields[1], "plain \xF0\x9F\x9A\x80");

    assert_null(next(r));
    assert_null(next(r)); /* stays at end */
    csv_in_close(r);
    fclose(f);
}

static void test_truncated(void **state)
{
    (void)state;
    static const char cut[] = "a,b\n1,2\n3";
    FILE *f;
    struct csv_in *r = reader_on(cut, sizeof cut - 1, &f);
    assert_non_null(next(r));
    const struct csv_record *rec = next(r);
    assert_false(rec->no_newline);
    rec = next(r);
    assert_non_null(rec);
    assert_true(rec->no_newline);
    assert_false(rec->open_quote);
    assert_int_equal(rec->nfields, 1);
    assert_int_equal(rec->line, 3);
    assert_null(next(r));
    csv_in_close(r);
    fclose(f);

    static const char open[] = "a,b\n1,\"never closed\nmore";
    r = reader_on(open, sizeof open - 1, &f);
    assert_non_null(next(r));
    rec = next(r);
    assert_non_null(rec);
    assert_true(rec->open_quote);
    assert_true(rec->no_newline);
    assert_int_equal(rec->line, 2);
    assert_string_equal(rec->raw, "1,\"never closed\nmore");
    csv_in_close(r);
    fclose(f);
}

static void test_line_endings(void **state)
{
    (void)state;
    /* Old Mac CR-only and mixed endings still count lines. */
    static const char data[] = "a\rb\r\nc\n\nd";
    FILE *f;
    struct csv_in *r = reader_on(data, sizeof data - 1, &f);
    long want[] = { 1, 2, 3, 5 };
    const char *val[] = { "a", "b", "c", "d" };
    for (int i = 0; i < 4; i++) {
        const struct csv_record *rec = next(r);
        assert_non_null(rec);
        assert_int_equal(rec->line, want[i]);
        assert_string_equal(rec->fields[0], val[i]);
    }
    assert_null(next(r));
    csv_in_close(r);
    fclose(f);
}

static void test_big_record_across_buffers(void **state)
{
    (void)state;
    /* A 200 KB quoted field spans several 64 KB reads. */
    struct sbuf sb;
    sbuf_init(&sb);
    sbuf_adds(&sb, "x,y\n1,\"");
    for (int i = 0; i < 200000; i++)
        sbuf_addc(&sb, i % 1000 == 999 ? '\n' : 'z');
    sbuf_adds(&sb, "\"\n2,3\n");
    FILE *f;
    struct csv_in *r = reader_on(sb.buf, sb.len, &f);
    assert_non_null(next(r));
    const struct csv_record *rec = next(r);
    assert_int_equal(rec->nfields, 2);
    assert_int_equal(strlen(rec->fields[1]), 200000);
    assert_int_equal(rec->line, 2);
    assert_int_equal(rec->last_line, 202);
    rec = next(r);
    assert_int_equal(rec->line, 203);
    assert_string_equal(rec->fields[1], "3");
    assert_null(next(r));
    assert_int_equal(csv_in_bytes(r), sb.len);
    csv_in_close(r);
    fclose(f);
    sbuf_release(&sb);
}

static void test_too_long(void **state)
{
    (void)state;
    size_t n = CSV_IN_MAX_RECORD + 1000;
    char *data = malloc(n);
    assert_non_null(data);
    memcpy(data, "a\n\"", 3);
    memset(data + 3, 'q', n - 3);
    FILE *f;
    struct csv_in *r = reader_on(data, n, &f);
    const struct csv_record *rec;
    struct xerr err = { 0 };
    assert_int_equal(csv_in_next(r, &rec, &err), 0);
    assert_int_equal(csv_in_next(r, &rec, &err), XETL_EX_DATAERR);
    assert_string_equal(err.msg, "record at line 2 is longer than 4194304 bytes (unbalanced quote?)");
    csv_in_close(r);
    fclose(f);
    free(data);
}

static void test_sha256(void **state)
{
    (void)state;
    char hex[65];
    csv_in_sha256_buf("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    csv_in_sha256_buf("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    csv_in_sha256_buf(two, sizeof two - 1, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

    /* The reader hashes every byte it reads, across buffer refills. */
    struct sbuf sb;
    sbuf_init(&sb);
    for (int i = 0; i < 20000; i++)
        sbuf_addf(&sb, "%d,\"row %d\"\n", i, i);
    FILE *f;
    struct csv_in *r = reader_on(sb.buf, sb.len, &f);
    long n = 0;
    while (next(r))
        n++;
    assert_int_equal(n, 20000);
    char want[65], got[65];
    csv_in_sha256_buf(sb.buf, sb.len, want);
    csv_in_sha256_hex(r, got);
    assert_string_equal(got, want);
    csv_in_close(r);
    fclose(f);
    sbuf_release(&sb);
}

static void test_open_missing(void **state)
{
    (void)state;
    struct csv_in *r;
    struct xerr err = { 0 };
    assert_int_equal(csv_in_open("/nonexistent/dir/x.csv", &r, &err), XETL_EX_NOINPUT);
    assert_null(r);
    assert_string_equal(err.msg, "cannot open '/nonexistent/dir/x.csv': No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quirks),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_line_endings),
        cmocka_unit_test(test_big_record_across_buffers),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_open_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
