/*
 * common/json.h — the one owner of jansson, and xetl's JSON writer.
 *
 * Reading: jv_parse() returns a document; the values inside it are borrowed
 * (valid until jv_free of the root) and read with NULL-safe accessors, so a
 * missing key, a wrong type and a JSON null all read as "absent".
 * Writing: struct jw streams JSON into an sbuf with commas, escaping and
 * number formatting in one place (non-finite numbers become null, which
 * jsonb and every JSON reader accept); no caller formats JSON by hand.
 */
#ifndef XETL_JSON_H
#define XETL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sbuf.h"

struct jv;

/* Parses len bytes; NULL with a one-line reason in why (may be NULL) on bad JSON. */
struct jv *jv_parse(const char *buf, size_t len, char *why, size_t whylen);
void jv_free(struct jv *root);

const struct jv *jv_get(const struct jv *obj, const char *key); /* NULL unless obj is an object with key */
const struct jv *jv_at(const struct jv *arr, size_t i);         /* NULL unless arr is an array that long */
size_t jv_len(const struct jv *arr);                             /* 0 unless an array (or object: its size) */
bool jv_is_object(const struct jv *v);
bool jv_is_array(const struct jv *v);
bool jv_is_string(const struct jv *v);
bool jv_is_integer(const struct jv *v);
bool jv_is_number(const struct jv *v); /* integer or real */
bool jv_is_null(const struct jv *v);   /* a JSON null (not absent) */
const char *jv_str(const struct jv *v); /* NULL unless a string */
bool jv_int(const struct jv *v, int64_t *out); /* false unless an integer */
double jv_num(const struct jv *v, double dflt); /* integer or real, else dflt */
bool jv_bool(const struct jv *v, bool dflt);
/* Iterates an object's members in document order: *iter starts NULL. */
bool jv_next(const struct jv *obj, void **iter, const char **key, const struct jv **val);
/* Compact text of a value (keys sorted, so equal values dump equally); caller frees. */
char *jv_dump(const struct jv *v);

#define JW_MAX_DEPTH 16

struct jw {
    struct sbuf *out;
    int depth;
    bool first[JW_MAX_DEPTH]; /* nothing written yet at this level */
    bool after_key;
};

void jw_init(struct jw *w, struct sbuf *out);
void jw_obj(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s); /* NULL → null */
void jw_int(struct jw *w, int64_t v);
void jw_num(struct jw *w, double v);              /* 17 significant digits: round-trips */
void jw_numg(struct jw *w, double v, int digits); /* fewer digits, for display-only values */
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_raw(struct jw *w, const char *json); /* an already valid JSON value (from jv_dump) */
/* A real as jansson's json_real wrote it: 17 digits, ".0" on an integral value (jsonb keeps it). */
void jw_real(struct jw *w, double v);

#endif
