/* tests/unit/etl/test_csv_in.c — the streaming CSV reader: quirks, line numbers, raw text, SHA-256. */
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
    assert_int_equal(rec->line, 2);
    assert_string_equal(rec->error, "unbalanced quote: never closed in field 2");
    assert_string_equal(rec->raw, "1,\"never closed"); /* its first line only */
    rec = next(r); /* the line after it is read again as a record of its own */
    assert_non_null(rec);
    assert_null(rec->error);
    assert_int_equal(rec->line, 3);
    assert_true(rec->no_newline);
    assert_string_equal(rec->fields[0], "more");
    assert_null(next(r));
    csv_in_close(r);
    fclose(f);

    static const char last[] = "a,b\n1,\"cut";
    r = reader_on(last, sizeof last - 1, &f);
    assert_non_null(next(r));
    rec = next(r);
    assert_non_null(rec);
    assert_true(rec->open_quote);
    assert_true(rec->no_newline);
    assert_string_equal(rec->error, "truncated last line (the file ends inside a quoted field)");
    assert_int_equal(rec->error_field, 0);
    assert_null(next(r));
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
    assert_int_equal(csv_in_next(r, &rec, &err), 0);
    assert_non_null(rec);
    assert_int_equal(rec->line, 2);
    assert_string_equal(rec->error, "record longer than 4194304 bytes (unbalanced quote?)");
    assert_int_equal(rec->raw_len, CSV_IN_REJECT_RAW);
    assert_null(next(r));
    csv_in_close(r);
    fclose(f);
    free(data);
}

/* Reads every record of data into a compact "line:fields|..." or "line!error" listing. */
static void listing(const char *data, size_t len, struct sbuf *out)
{
    FILE *f;
    struct csv_in *r = reader_on(data, len, &f);
    const struct csv_record *rec;
    sbuf_reset(out);
    while ((rec = next(r))) {
        if (rec->error) {
            sbuf_addf(out, "%ld!%s[%s]\n", rec->line, rec->error, rec->raw);
            continue;
        }
        sbuf_addf(out, "%ld:", rec->line);
        for (int i = 0; i < rec->nfields; i++)
            sbuf_addf(out, "%s%s", i ? "|" : "", rec->fields[i]);
        sbuf_addc(out, '\n');
    }
    csv_in_close(r);
    fclose(f);
}

static void test_stray_quotes(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        /* A stray quote pair used to swallow the lines after it into one record. */
        { "id,text,likes\n1,\"a \"quoted\" word,5\n2,plain,6\n3,x,7\n",
          "1:id|text|likes\n"
          "2!unbalanced quote: text after the closing quote of field 2[1,\"a \"quoted\" word,5]\n"
          "3:2|plain|6\n4:3|x|7\n" },
        { "id,text,likes\n1,ab\"c,5\n2,plain,6\n",
          "1:id|text|likes\n2!quote inside unquoted field 2[1,ab\"c,5]\n3:2|plain|6\n" },
        /* An opening quote never closed: one line lost, not the rest of the file. */
        { "id,text,likes\n1,\"open,5\n2,plain,6\n3,x,7\n",
          "1:id|text|likes\n2!unbalanced quote: never closed in field 2[1,\"open,5]\n3:2|plain|6\n4:3|x|7\n" },
        /* CRLF, the error found two lines on: lines still counted right after the re-read. */
        { "id,t,n\r\n1,\"a\r\n2,b,3\r\n3,\"x\"y,4\r\n5,c,6\r\n",
          "1:id|t|n\n"
          "2!unbalanced quote: text after the closing quote of field 2 on line 4[1,\"a]\n"
          "3:2|b|3\n"
          "4!unbalanced quote: text after the closing quote of field 2[3,\"x\"y,4]\n"
          "5:5|c|6\n" },
        /* A legitimate quoted line break and doubled quotes are still one record. */
        { "id,t,n\n1,\"two\nlines \"\"q\"\"\",3\n", "1:id|t|n\n2:1|two\nlines \"q\"|3\n" },
    };
    struct sbuf sb;
    sbuf_init(&sb);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        listing(cases[i].in, strlen(cases[i].in), &sb);
        assert_string_equal(sb.buf, cases[i].want);
    }
    sbuf_release(&sb);
}

/* Where an error was found travels in the record (error_line), not only in its text. */
static void test_error_line(void **state)
{
    (void)state;
    static const char data[] = "id,t,n\n1,\"a\n2,b,3\n3,\"x\"y,4\n5,c,6\n";
    FILE *f;
    struct csv_in *r = reader_on(data, sizeof data - 1, &f);
    const struct csv_record *rec = next(r);
    assert_int_equal(rec->error_line, 0);
    rec = next(r);
    assert_non_null(rec->error);
    assert_int_equal(rec->line, 2);
    assert_int_equal(rec->error_line, 4); /* the stray quote two lines on */
    rec = next(r);
    assert_null(rec->error);
    assert_int_equal(rec->error_line, 0);
    rec = next(r);
    assert_int_equal(rec->line, 4);
    assert_int_equal(rec->error_line, 4);
    csv_in_close(r);
    fclose(f);
}

static void test_nul_bytes(void **state)
{
    (void)state;
    /* "13\0...02" used to load as tweet 13, "5\09" as 5 likes. */
    static const char data[] = "id,t,likes\n13\0000000000000002,x,5\n2,y,5\0009\n3,z,4\n";
    FILE *f;
    struct csv_in *r = reader_on(data, sizeof data - 1, &f);
    assert_non_null(next(r));
    const struct csv_record *rec = next(r);
    assert_string_equal(rec->error, "NUL byte in field 1");
    assert_int_equal(rec->error_field, 1);
    assert_int_equal(rec->raw_len, 20); /* the whole line, NUL included */
    assert_int_equal(rec->nfields, 0);
    rec = next(r);
    assert_string_equal(rec->error, "NUL byte in field 3");
    assert_int_equal(rec->line, 3);
    rec = next(r);
    assert_null(rec->error);
    assert_string_equal(rec->fields[0], "3");
    assert_null(next(r));
    csv_in_close(r);
    fclose(f);
}

static void test_too_long_keeps_the_rest(void **state)
{
    (void)state;
    /* An open quote with 4 MiB of ordinary rows after it: one reject, every row kept. */
    struct sbuf sb;
    sbuf_init(&sb);
    sbuf_adds(&sb, "a,b\n1,\"never closed\n");
    long rows = 0;
    while (sb.len <= CSV_IN_MAX_RECORD + 100000)
        sbuf_addf(&sb, "%ld,x\n", ++rows);
    FILE *f;
    struct csv_in *r = reader_on(sb.buf, sb.len, &f);
    assert_non_null(next(r));
    const struct csv_record *rec = next(r);
    assert_string_equal(rec->error, "record longer than 4194304 bytes (unbalanced quote?)");
    assert_int_equal(rec->line, 2);
    assert_string_equal(rec->raw, "1,\"never closed");
    long n = 0, want = 1;
    while ((rec = next(r))) {
        assert_null(rec->error);
        assert_int_equal(rec->line, want + 2);
        assert_int_equal(atol(rec->fields[0]), want);
        want++, n++;
    }
    assert_int_equal(n, rows);
    csv_in_close(r);
    fclose(f);

    /* One physical line over the limit: cut to CSV_IN_REJECT_RAW, the next line read. */
    sbuf_reset(&sb);
    sbuf_adds(&sb, "a,b\n");
    while (sb.len <= CSV_IN_MAX_RECORD + 70000)
        sbuf_addc(&sb, 'q');
    sbuf_adds(&sb, "\n2,3\n");
    r = reader_on(sb.buf, sb.len, &f);
    assert_non_null(next(r));
    rec = next(r);
    assert_non_null(rec->error);
    assert_int_equal(rec->raw_len, CSV_IN_REJECT_RAW);
    rec = next(r);
    assert_int_equal(rec->line, 3);
    assert_string_equal(rec->fields[1], "3");
    assert_null(next(r));
    csv_in_close(r);
    fclose(f);
    sbuf_release(&sb);
}

static void test_split_record(void **state)
{
    (void)state;
    /* Two stray quotes pair up into a well-formed field: the caller sees line 3 is a row. */
    static const char data[] = "id,t,n\n1,\"abc\n2,x,6\n3,y\",7\n4,z,8\n";
    FILE *f;
    struct csv_in *r = reader_on(data, sizeof data - 1, &f);
    assert_non_null(next(r));
    const struct csv_record *rec = next(r);
    assert_int_equal(rec->line, 2);
    assert_int_equal(rec->last_line, 4);
    assert_int_equal(rec->nfields, 3);
    char **lf;
    assert_int_equal(csv_in_line_fields(r, "3,y\",7", 6, &lf), 3);
    assert_string_equal(lf[1], "y\"");
    assert_string_equal(rec->fields[1], "abc\n2,x,6\n3,y"); /* untouched by the split */
    csv_in_split_record(r, "swallowed");
    assert_string_equal(rec->error, "swallowed");
    assert_string_equal(rec->raw, "1,\"abc");
    rec = next(r);
    assert_int_equal(rec->line, 3);
    assert_string_equal(rec->fields[2], "6");
    rec = next(r);
    assert_int_equal(rec->line, 4);
    assert_string_equal(rec->error, "quote inside unquoted field 2");
    rec = next(r);
    assert_int_equal(rec->line, 5);
    assert_string_equal(rec->fields[0], "4");
    assert_null(next(r));
    csv_in_close(r);
    fclose(f);
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
        cmocka_unit_test(test_stray_quotes),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_too_long_keeps_the_rest),
        cmocka_unit_test(test_split_record),
        cmocka_unit_test(test_error_line),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_open_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
