/*
 * fuzz_csv_import — the CSV reader (etl/csv_in.c) and import's row validation
 * (etl/import.c, import_rows.c, import_parse.c) on arbitrary bytes.  Invariants: records come in strictly
 * increasing line order; a refused record carries a reason and no fields; a
 * field never holds a NUL; every byte is hashed and counted; the importer's
 * counts add up (rows read = would load + rejected).
 */
#include <string.h>

#include "common/sbuf.h"
#include "common/utf8.h"
#include "etl/csv_in.h"
#include "etl/import.h"
#include "etl/import_parse.h"
#include "tests/fuzz/fuzz.h"

static void values(const char *v)
{
    long n;
    double d;
    bool present, date_only;
    int64_t t;
    size_t len = strlen(v);

    utf8_valid(v, len);
    if (!import_parse_count(v, &n, &present) && present)
        FUZZ_CHECK(n >= 0);
    if (!import_parse_rate(v, &d, &present) && present)
        FUZZ_CHECK(d >= 0);
    import_parse_time(v, &t, &date_only);
}

static void reader(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return;
    struct csv_in *r = csv_in_from_stream(f);
    const struct csv_record *rec;
    struct xerr err = { 0 };
    long prev = 0;
    bool first = true;

    while (csv_in_next(r, &rec, &err) == 0 && rec) {
        FUZZ_CHECK(rec->line > prev);
        FUZZ_CHECK(rec->last_line >= rec->line);
        FUZZ_CHECK(rec->raw[rec->raw_len] == '\0');
        prev = rec->line;
        if (rec->error) {
            FUZZ_CHECK(rec->error[0] && rec->nfields == 0);
            continue;
        }
        FUZZ_CHECK(rec->nfields >= 1);
        for (int i = 0; i < rec->nfields; i++)
            values(rec->fields[i]);
        if (first)
            import_detect(rec->fields, rec->nfields);
        first = false;
        /* Each later line alone, as the importer asks of a record over several lines. */
        const char *p = rec->raw, *end = rec->raw + rec->raw_len;
        while (rec->last_line > rec->line && p < end) {
            size_t l = strcspn(p, "\r\n");
            char **lf;
            int n = csv_in_line_fields(r, p, l, &lf);
            FUZZ_CHECK(n >= 0);
            p += l + 1;
        }
    }
    FUZZ_CHECK(csv_in_bytes(r) == size);
    char got[65], want[65];
    csv_in_sha256_hex(r, got);
    csv_in_sha256_buf(data, size, want);
    FUZZ_CHECK(!strcmp(got, want));
    csv_in_close(r);
    fclose(f);
}

static void importer(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return;
    struct import_result res;
    struct xerr err = { 0 };
    int rc = import_check_stream(f, &res, &err);
    FUZZ_CHECK(rc == 0 || rc == XETL_EX_DATAERR);
    FUZZ_CHECK(res.records == res.loaded + res.rejects || res.records == 0);
    FUZZ_CHECK(rc != 0 || res.rejects == 0);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen refuses an empty buffer */
    reader(data, size);
    importer(data, size);
    /* The same bytes after a known header, so the row checks see most inputs. */
    static const char head[] = "Tweet id,Tweet text,time,impressions,likes,engagement rate\n";
    struct sbuf sb;
    sbuf_init(&sb);
    sbuf_add(&sb, head, sizeof head - 1);
    sbuf_add(&sb, data, size);
    importer((const uint8_t *)sb.buf, sb.len);
    sbuf_release(&sb);
    return 0;
}
