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
 * Record boundaries are libcsv's own (strict mode): the input is fed to
 * libcsv one physical line at a time, so a record ends exactly where libcsv
 * says it does, and the raw text is the bytes of the lines it spanned.
 *
 * What cannot be read exactly is handed back as a record with `error` set,
 * never guessed at: a quote inside an unquoted field, text after a closing
 * quote, a quote still open at end of input, a NUL byte, a record over
 * CSV_IN_MAX_RECORD.  Such a record is its first physical line only; the
 * reader then resynchronises by reading every byte after that line again as
 * new records, so one stray quote costs one line and nothing from another
 * line lands in a record.  (A NUL byte in a well-formed record rejects that
 * record whole.)
 */
#ifndef XETL_CSV_IN_H
#define XETL_CSV_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/xerr.h"

/* A record longer than this is refused (an unbalanced quote swallowing the file). */
#define CSV_IN_MAX_RECORD (4u << 20)
/* At most this much of a refused record's first line is kept as its raw text. */
#define CSV_IN_REJECT_RAW 4096

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
    const char *error;  /* non-NULL: why the record cannot be read exactly; nfields is 0 */
    int error_field;    /* 1-based field the error was found in, 0 when none */
    long error_line;    /* physical line the error was found on (with error), else 0 */
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
 * next call.  At end of input *rec is NULL.  Returns 0 (a record that cannot
 * be read exactly comes back with rec->error set, and reading goes on), or
 * XETL_EX_NOINPUT on a read error.
 */
int csv_in_next(struct csv_in *r, const struct csv_record **rec, struct xerr *err);

/*
 * Turns the record csv_in_next has just returned (one that spans several
 * lines) into a reject of its first line with reason why, and reads the
 * lines after that one again as new records: for a caller that can tell the
 * record swallowed lines that are rows of their own.
 */
void csv_in_split_record(struct csv_in *r, const char *why);

/*
 * Splits one line of text alone as a record, leniently (a stray quote is
 * kept as text, an open quote runs to the end of the line).  Returns the
 * number of fields; *fields stays valid until the next call or csv_in_close,
 * and does not disturb the record csv_in_next returned.
 */
int csv_in_line_fields(struct csv_in *r, const char *line, size_t len, char ***fields);

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
