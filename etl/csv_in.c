/* etl/csv_in.c — see csv_in.h. */
#include "etl/csv_in.h"

#include <csv.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"

/* libcsv's parser states (libcsv.c keeps them private; the values are stable since 2.0). */
#define CSVP_ROW_NOT_BEGUN 0
#define CSVP_FIELD_BEGUN 2

/* ---- SHA-256 (FIPS 180-4); small, so the reader needs no crypto library ---- */

struct sha256 {
    uint32_t h[8];
    uint64_t n;            /* bytes hashed */
    unsigned char blk[64];
    size_t used;
};

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha_init(struct sha256 *s)
{
    static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(s->h, h0, sizeof h0);
    s->n = 0;
    s->used = 0;
}

static void sha_block(struct sha256 *s, const unsigned char *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, h;
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
    s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha_update(struct sha256 *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    s->n += len;
    if (s->used) {
        size_t take = 64 - s->used < len ? 64 - s->used : len;
        memcpy(s->blk + s->used, p, take);
        s->used += take, p += take, len -= take;
        if (s->used < 64)
            return;
        sha_block(s, s->blk);
        s->used = 0;
    }
    for (; len >= 64; p += 64, len -= 64)
        sha_block(s, p);
    memcpy(s->blk, p, len);
    s->used = len;
}

static void sha_hex(const struct sha256 *in, char out[65])
{
    struct sha256 s = *in; /* finishing pads a copy: the reader's state stays usable */
    uint64_t bits = s.n * 8;
    unsigned char pad = 0x80, zero = 0, len[8];
    sha_update(&s, &pad, 1);
    while (s.used != 56)
        sha_update(&s, &zero, 1);
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha_update(&s, len, 8);
    for (int i = 0; i < 8; i++)
        snprintf(out + 8 * i, 9, "%08x", s.h[i]);
}

void csv_in_sha256_buf(const void *data, size_t len, char out[65])
{
    struct sha256 s;
    sha_init(&s);
    sha_update(&s, data, len);
    sha_hex(&s, out);
}

/* ---- the reader ---- */

/* The fields of one record: values NUL-terminated in one buffer. */
struct fieldset {
    struct sbuf buf;
    size_t *off;
    int n, cap;
    char **v;
    int vcap;
    int nul;                /* 1-based field that held a NUL byte, 0 = none */
};

struct csv_in {
    FILE *f;
    bool own;
    bool eof;
    bool bom_checked;
    bool bom;
    bool pending_cr;        /* the previous byte was a CR: an LF now ends no new line */
    bool row_done;          /* set by libcsv's end-of-record callback */
    bool skip_line;         /* discarding the rest of a rejected physical line */
    struct csv_parser p;
    unsigned char buf[1 << 16];
    size_t pos, len;
    struct sbuf replay;     /* bytes to read again before buf (after a reject) */
    size_t rpos;
    struct sbuf spare;      /* scratch for building the next replay */
    size_t bytes;
    long line;              /* physical line of the next byte */
    struct sbuf raw;        /* bytes of the record being read */
    struct fieldset fs;     /* its fields */
    struct fieldset alone;  /* one line split on its own (csv_in_line_fields) */
    struct fieldset *cur;   /* where libcsv's callbacks put fields */
    struct csv_parser lenient;
    struct sha256 sha;
    char term;              /* the line terminator cut from the last record's raw text */
    char why[200];
    struct csv_record rec;
};

static void fs_reset(struct fieldset *fs)
{
    sbuf_reset(&fs->buf);
    fs->n = 0;
    fs->nul = 0;
}

static void fs_release(struct fieldset *fs)
{
    sbuf_release(&fs->buf);
    free(fs->off);
    free(fs->v);
}

/* Points v at the values (buf may have moved while they were added). */
static char **fs_values(struct fieldset *fs)
{
    if (fs->n > fs->vcap) {
        fs->vcap = fs->n;
        fs->v = xrealloc(fs->v, (size_t)fs->vcap * sizeof *fs->v);
    }
    for (int i = 0; i < fs->n; i++)
        fs->v[i] = fs->buf.buf + fs->off[i];
    return fs->v;
}

static void on_field(void *s, size_t len, void *data)
{
    struct fieldset *fs = ((struct csv_in *)data)->cur;
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? 2 * fs->cap : 32;
        fs->off = xrealloc(fs->off, (size_t)fs->cap * sizeof *fs->off);
    }
    /* A NUL would silently cut the value short once it is a C string. */
    if (len && !fs->nul && memchr(s, '\0', len))
        fs->nul = fs->n + 1;
    fs->off[fs->n++] = fs->buf.len;
    if (len)
        sbuf_add(&fs->buf, s, len);
    sbuf_addc(&fs->buf, '\0');
}

static void on_row(int c, void *data)
{
    (void)c;
    ((struct csv_in *)data)->row_done = true;
}

static struct csv_in *reader_new(FILE *f, bool own)
{
    struct csv_in *r = xcalloc(1, sizeof *r);
    r->f = f;
    r->own = own;
    r->line = 1;
    sbuf_init(&r->raw);
    sbuf_init(&r->fs.buf);
    sbuf_init(&r->alone.buf);
    r->cur = &r->fs;
    sbuf_init(&r->replay);
    sbuf_init(&r->spare);
    sha_init(&r->sha);
    /* Strict: a quote inside an unquoted field, or text after a closing quote, is an
     * error rather than a guess that may merge the following lines into one record. */
    if (csv_init(&r->p, CSV_STRICT) != 0)
        abort(); /* only fails on allocation */
    /* libcsv grows its field buffer by a fixed block (128 bytes by default): a long
     * quoted field would be copied over and over, so grow it in large steps. */
    csv_set_blk_size(&r->p, 64 * 1024);
    if (csv_init(&r->lenient, 0) != 0)
        abort();
    return r;
}

int csv_in_open(const char *path, struct csv_in **out, struct xerr *err)
{
    *out = NULL;
    if (!strcmp(path, "-")) {
        *out = reader_new(stdin, false);
        return 0;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return xerr_set(err, XETL_EX_NOINPUT, "cannot open '%s': %s", path, strerror(errno));
    *out = reader_new(f, true);
    return 0;
}

struct csv_in *csv_in_from_stream(FILE *f)
{
    return reader_new(f, false);
}

void csv_in_close(struct csv_in *r)
{
    if (!r)
        return;
    if (r->own && r->f)
        fclose(r->f);
    csv_free(&r->p);
    sbuf_release(&r->raw);
    csv_free(&r->lenient);
    fs_release(&r->fs);
    fs_release(&r->alone);
    sbuf_release(&r->replay);
    sbuf_release(&r->spare);
    free(r);
}

size_t csv_in_bytes(const struct csv_in *r) { return r->bytes; }
bool csv_in_had_bom(const struct csv_in *r) { return r->bom; }
void csv_in_sha256_hex(struct csv_in *r, char out[65]) { sha_hex(&r->sha, out); }

static int fill(struct csv_in *r, struct xerr *err)
{
    r->pos = 0;
    r->len = fread(r->buf, 1, sizeof r->buf, r->f);
    if (r->len == 0) {
        if (ferror(r->f))
            return xerr_set(err, XETL_EX_NOINPUT, "read error: %s", strerror(errno));
        r->eof = true;
        return 0;
    }
    sha_update(&r->sha, r->buf, r->len);
    r->bytes += r->len;
    if (!r->bom_checked) {
        r->bom_checked = true;
        if (r->len >= 3 && r->buf[0] == 0xEF && r->buf[1] == 0xBB && r->buf[2] == 0xBF) {
            r->bom = true;
            r->pos = 3;
        }
    }
    return 0;
}

/* Completes r->rec from the collected fields and raw bytes. */
static void finish_record(struct csv_in *r, long first_line, bool at_eof)
{
    size_t n = r->raw.len;
    while (n > 0 && (r->raw.buf[n - 1] == '\n' || r->raw.buf[n - 1] == '\r'))
        n--;
    r->term = n < r->raw.len ? r->raw.buf[n] : '\0';
    r->raw.buf[n] = '\0';
    r->raw.len = n;
    r->rec.line = first_line;
    r->rec.last_line = at_eof ? r->line : r->line - 1;
    if (r->rec.last_line < first_line)
        r->rec.last_line = first_line;
    r->rec.nfields = r->fs.n;
    r->rec.fields = fs_values(&r->fs);
    r->rec.raw = r->raw.buf;
    r->rec.raw_len = r->raw.len;
    r->rec.no_newline = at_eof;
    r->rec.open_quote = false;
    r->rec.error = NULL;
    r->rec.error_field = 0;
    r->rec.error_line = 0;
    if (r->fs.nul) {
        snprintf(r->why, sizeof r->why, "NUL byte in field %d", r->fs.nul);
        r->rec.error = r->why;
        r->rec.error_field = r->fs.nul;
        r->rec.error_line = first_line;
        r->rec.nfields = 0;
    }
}

/*
 * The record being read cannot be read exactly: it becomes a reject of its first
 * physical line only, and every byte after that line is read again as new records,
 * so a stray quote costs one line, never the lines it would have swallowed.
 */
static void reject_first_line(struct csv_in *r, long first_line, bool at_eof, int field)
{
    size_t e = 0;
    while (e < r->raw.len && r->raw.buf[e] != '\n' && r->raw.buf[e] != '\r')
        e++;
    /* libcsv may be mid-field: start it afresh, reporting nothing. */
    csv_fini(&r->p, NULL, NULL, NULL);
    if (e < r->raw.len) {
        struct sbuf t = r->spare;
        sbuf_reset(&t);
        sbuf_add(&t, r->raw.buf + e + 1, r->raw.len - e - 1);
        if (r->rpos < r->replay.len)
            sbuf_add(&t, r->replay.buf + r->rpos, r->replay.len - r->rpos);
        r->spare = r->replay;
        r->replay = t;
        r->rpos = 0;
        r->line = first_line + 1;
        r->pending_cr = r->raw.buf[e] == '\r';
        r->skip_line = false;
    } else if (!at_eof) {
        r->skip_line = true; /* the rest of this line is part of the reject */
    }
    if (e > CSV_IN_REJECT_RAW)
        e = CSV_IN_REJECT_RAW;
    r->raw.buf[e] = '\0';
    r->raw.len = e;
    r->rec.line = first_line;
    r->rec.last_line = first_line;
    r->rec.nfields = 0;
    r->rec.fields = r->fs.v;
    r->rec.raw = r->raw.buf;
    r->rec.raw_len = r->raw.len;
    r->rec.no_newline = at_eof && r->replay.len == r->rpos;
    r->rec.open_quote = false;
    r->rec.error = r->why;
    r->rec.error_field = field;
    r->rec.error_line = first_line;
}

/* Counts the physical line a segment ends (CR, LF and CRLF each end one). */
static void count_line(struct csv_in *r, unsigned char term)
{
    if (term == '\r') {
        r->line++;
        r->pending_cr = true;
    } else if (r->pending_cr) {
        r->pending_cr = false;
    } else {
        r->line++;
    }
}

/*
 * A libcsv parse error at byte c of physical line this_line (the record began
 * on first_line): the record becomes the reject of its first line.
 */
static void parse_error(struct csv_in *r, unsigned char c, long first_line, long this_line)
{
    if (csv_error(&r->p) != CSV_EPARSE)
        abort(); /* otherwise libcsv only stops on allocation failure */
    int n = snprintf(r->why, sizeof r->why, "%s field %d",
                     r->p.pstate == CSVP_FIELD_BEGUN && c == '"' ? "quote inside unquoted"
                                                                 : "unbalanced quote: text after the closing quote of",
                     r->fs.n + 1);
    if (this_line != first_line && n > 0 && (size_t)n < sizeof r->why)
        snprintf(r->why + n, sizeof r->why - (size_t)n, " on line %ld", this_line);
    reject_first_line(r, first_line, false, r->fs.n + 1);
    r->rec.error_line = this_line;
}

/* End of input: a record without a terminator, possibly cut inside quotes (*rec, or left NULL). */
static void end_of_input(struct csv_in *r, long first_line, const struct csv_record **rec)
{
    if (r->p.pstate != CSVP_ROW_NOT_BEGUN) {
        if (r->p.pstate == CSVP_FIELD_BEGUN && r->p.quoted) {
            size_t n = r->raw.len;
            while (n > 0 && (r->raw.buf[n - 1] == '\n' || r->raw.buf[n - 1] == '\r'))
                n--;
            bool multi = memchr(r->raw.buf, '\n', n) || memchr(r->raw.buf, '\r', n);
            if (multi)
                snprintf(r->why, sizeof r->why, "unbalanced quote: never closed in field %d",
                         r->fs.n + 1);
            else
                snprintf(r->why, sizeof r->why, "truncated last line (the file ends inside a quoted field)");
            reject_first_line(r, first_line, true, multi ? r->fs.n + 1 : 0);
            r->rec.open_quote = true;
            *rec = &r->rec;
            return;
        }
        csv_fini(&r->p, on_field, on_row, r);
        if (r->row_done) {
            finish_record(r, first_line, true);
            *rec = &r->rec;
        }
    }
}

int csv_in_next(struct csv_in *r, const struct csv_record **rec, struct xerr *err)
{
    long first_line = 0;
    int rc;

    *rec = NULL;
    sbuf_reset(&r->raw);
    fs_reset(&r->fs);
    r->row_done = false;

    for (;;) {
        const unsigned char *s;
        size_t avail;
        bool from_replay = r->rpos < r->replay.len;
        if (from_replay) {
            s = (const unsigned char *)r->replay.buf + r->rpos;
            avail = r->replay.len - r->rpos;
        } else if (r->pos < r->len) {
            s = r->buf + r->pos;
            avail = r->len - r->pos;
        } else {
            if (r->eof)
                break;
            if ((rc = fill(r, err)))
                return rc;
            continue;
        }
        /* One physical line (or what is left of the buffer) at a time. */
        size_t k = 0;
        if (r->pending_cr && s[0] != '\n')
            r->pending_cr = false;
        while (k < avail && s[k] != '\n' && s[k] != '\r')
            k++;
        bool term = k < avail;
        size_t seg = term ? k + 1 : k;
        if (from_replay)
            r->rpos += seg;
        else
            r->pos += seg;
        if (r->skip_line) {
            if (term) {
                r->skip_line = false;
                count_line(r, s[k]);
            }
            continue;
        }
        if (r->raw.len == 0 && r->p.pstate == CSVP_ROW_NOT_BEGUN)
            first_line = r->line;
        long this_line = r->line;
        sbuf_add(&r->raw, s, seg);
        size_t used = csv_parse(&r->p, s, seg, on_field, on_row, r);
        if (term)
            count_line(r, s[k]);
        if (used != seg) {
            parse_error(r, s[used], first_line, this_line);
            *rec = &r->rec;
            return 0;
        }
        if (r->row_done) {
            finish_record(r, first_line, false);
            *rec = &r->rec;
            return 0;
        }
        if (r->p.pstate == CSVP_ROW_NOT_BEGUN) {
            sbuf_reset(&r->raw); /* a blank line: no record */
            fs_reset(&r->fs);
        } else if (r->raw.len > CSV_IN_MAX_RECORD) {
            snprintf(r->why, sizeof r->why, "record longer than %u bytes (unbalanced quote?)", CSV_IN_MAX_RECORD);
            reject_first_line(r, first_line, false, 0);
            *rec = &r->rec;
            return 0;
        }
    }

    end_of_input(r, first_line, rec);
    return 0;
}

void csv_in_split_record(struct csv_in *r, const char *why)
{
    if (r->term)
        sbuf_addc(&r->raw, r->term);
    r->term = '\0';
    snprintf(r->why, sizeof r->why, "%s", why);
    reject_first_line(r, r->rec.line, false, 0);
}

int csv_in_line_fields(struct csv_in *r, const char *line, size_t len, char ***fields)
{
    r->cur = &r->alone;
    fs_reset(&r->alone);
    csv_parse(&r->lenient, line, len, on_field, NULL, r);
    csv_fini(&r->lenient, on_field, NULL, r);
    r->cur = &r->fs;
    *fields = fs_values(&r->alone);
    return r->alone.n;
}
