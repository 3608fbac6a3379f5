/*
 * etl/csv_in.h — a streaming CSV record reader over libcsv.
 *
 * For: reading exports people download (RFC 4180 with real-world quirks)
 * one record at a time in flat memory: a UTF-8 BOM is skipped, CR, LF and
 * CRLF all end a record, quoted fields may hold delimiters, doubled quotes
 * and line breaks, blank lines are skipped.  Each record comes with the
 * physical line it starts on, its raw text (for a rejects table) and whether
 * it was cut short at end of input.  The SHA-256 of every byte read is kept,
 * so a file can be identified whatever its name.
 *
 * Not for: typing values, or knowing what columns mean (etl/import.h does
 * that).  Not for writing CSV.
 *
 * Record boundaries are libcsv's own: the input is fed to libcsv one
 * physical line at a time, so a record ends exactly where libcsv says it
 * does, and the raw text is the bytes of the lines it spanned.
 */
#ifndef XETL_CSV_IN_H
#define XETL_CSV_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/xerr.h"

/* A record longer than this is refused (an unbalanced quote swallowing the file). */
#define CSV_IN_MAX_RECORD (4u << 20)

struct csv_in;

struct csv_record {
    long line;          /* 1-based physical line the record starts on */
    long last_line;     /* physical line it ends on (> line: embedded line breaks) */
    int nfields;
    char **fields;      /* NUL-terminated values; owned by the reader */
    const char *raw;    /* the record's bytes without its line terminator, NUL-terminated */
    size_t raw_len;
    bool no_newline;    /* the input ended without a line terminator after it */
    bool open_quote;    /* the input ended inside a quoted field: certainly truncated */
};

/*
 * Opens path for reading ("-" = standard input, not closed at the end).
 * Returns 0, or XETL_EX_NOINPUT with err naming the file.
 */
int csv_in_open(const char *path, struct csv_in **out, struct xerr *err);

/* Reads from an open stream (not closed by csv_in_close). */
struct csv_in *csv_in_from_stream(FILE *f);

/*
 * The next record: *rec points into the reader and stays valid until the
 * next call.  At end of input *rec is NULL.  Returns 0, XETL_EX_DATAERR for a
 * record over CSV_IN_MAX_RECORD (reading cannot go on), or XETL_EX_NOINPUT on
 * a read error.
 */
int csv_in_next(struct csv_in *r, const struct csv_record **rec, struct xerr *err);

/* Bytes read so far, and whether a BOM was skipped. */
size_t csv_in_bytes(const struct csv_in *r);
bool csv_in_had_bom(const struct csv_in *r);

/*
 * Lowercase hex SHA-256 of all bytes read (BOM included); complete once
 * csv_in_next has returned end of input.  out must hold 65 bytes.
 */
void csv_in_sha256_hex(struct csv_in *r, char out[65]);

void csv_in_close(struct csv_in *r);

/* SHA-256 of a buffer as lowercase hex (exposed for tests). */
void csv_in_sha256_buf(const void *data, size_t len, char out[65]);

#endif
