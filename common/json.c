/*
 * common/json.c — see json.h.  The only file that includes jansson.
 */
#include "common/json.h"
#include "common/numfmt.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A struct jv is a json_t: the opaque type only keeps jansson out of callers. */
#define J(v) ((json_t *)(v))
#define V(j) ((const struct jv *)(j))

struct jv *jv_parse(const char *buf, size_t len, char *why, size_t whylen)
{
    json_error_t e;
    json_t *j = json_loadb(buf, len, JSON_DECODE_ANY, &e);
    if (!j && why && whylen)
        snprintf(why, whylen, "%s at line %d column %d", e.text, e.line, e.column);
    return (struct jv *)j;
}

void jv_free(struct jv *root)
{
    if (root)
        json_decref(J(root));
}

const struct jv *jv_get(const struct jv *obj, const char *key)
{
    return obj && json_is_object(J(obj)) ? V(json_object_get(J(obj), key)) : NULL;
}

const struct jv *jv_at(const struct jv *arr, size_t i)
{
    return arr && json_is_array(J(arr)) ? V(json_array_get(J(arr), i)) : NULL;
}

size_t jv_len(const struct jv *v)
{
    if (!v)
        return 0;
    if (json_is_array(J(v)))
        return json_array_size(J(v));
    if (json_is_object(J(v)))
        return json_object_size(J(v));
    return 0;
}

bool jv_is_object(const struct jv *v) { return v && json_is_object(J(v)); }
bool jv_is_array(const struct jv *v) { return v && json_is_array(J(v)); }
bool jv_is_string(const struct jv *v) { return v && json_is_string(J(v)); }
bool jv_is_integer(const struct jv *v) { return v && json_is_integer(J(v)); }
bool jv_is_number(const struct jv *v) { return v && json_is_number(J(v)); }
bool jv_is_null(const struct jv *v) { return v && json_is_null(J(v)); }

const char *jv_str(const struct jv *v)
{
    return v && json_is_string(J(v)) ? json_string_value(J(v)) : NULL;
}

bool jv_int(const struct jv *v, int64_t *out)
{
    if (!v || !json_is_integer(J(v)))
        return false;
    *out = (int64_t)json_integer_value(J(v));
    return true;
}

double jv_num(const struct jv *v, double dflt)
{
    return v && json_is_number(J(v)) ? json_number_value(J(v)) : dflt;
}

bool jv_bool(const struct jv *v, bool dflt)
{
    return v && json_is_boolean(J(v)) ? json_is_true(J(v)) : dflt;
}

bool jv_next(const struct jv *obj, void **iter, const char **key, const struct jv **val)
{
    if (!obj || !json_is_object(J(obj)))
        return false;
    void *it = *iter ? json_object_iter_next(J(obj), *iter) : json_object_iter(J(obj));
    if (!it)
        return false;
    *iter = it;
    *key = json_object_iter_key(it);
    *val = V(json_object_iter_value(it));
    return true;
}

char *jv_dump(const struct jv *v)
{
    char *s = v ? json_dumps(J(v), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    if (!s)
        return xstrdup("null");
    char *copy = xstrdup(s); /* ours is freed with free(), jansson's with its own allocator */
    free(s);
    return copy;
}

void jw_init(struct jw *w, struct sbuf *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->first[0] = true;
}

/* The comma before a value or key, unless it follows its key or opens a level. */
static void sep(struct jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        sbuf_addc(w->out, ',');
    w->first[w->depth] = false;
}

static void open_level(struct jw *w, char c)
{
    sep(w);
    sbuf_addc(w->out, c);
    if (w->depth + 1 < JW_MAX_DEPTH)
        w->depth++;
    w->first[w->depth] = true;
}

static void close_level(struct jw *w, char c)
{
    sbuf_addc(w->out, c);
    if (w->depth > 0)
        w->depth--;
}

void jw_obj(struct jw *w) { open_level(w, '{'); }
void jw_obj_end(struct jw *w) { close_level(w, '}'); }
void jw_arr(struct jw *w) { open_level(w, '['); }
void jw_arr_end(struct jw *w) { close_level(w, ']'); }

static void put_string(struct sbuf *sb, const char *s)
{
    sbuf_addc(sb, '"');
    for (; *s; s++) {
        /* A run that needs no escape goes in one copy (most of every string). */
        size_t run = strcspn(s, "\"\\\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f"
                                "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f");
        if (run) {
            sbuf_add(sb, s, run);
            s += run;
            if (!*s)
                break;
        }
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': sbuf_add(sb, "\\\"", 2); break;
        case '\\': sbuf_add(sb, "\\\\", 2); break;
        case '\n': sbuf_add(sb, "\\n", 2); break;
        case '\r': sbuf_add(sb, "\\r", 2); break;
        case '\t': sbuf_add(sb, "\\t", 2); break;
        default:
            if (c < 0x20)
                sbuf_addf(sb, "\\u%04x", c);
            else
                sbuf_addc(sb, (char)c);
        }
    }
    sbuf_addc(sb, '"');
}

void jw_key(struct jw *w, const char *key)
{
    sep(w);
    put_string(w->out, key);
    sbuf_addc(w->out, ':');
    w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
    if (!s) {
        jw_null(w);
        return;
    }
    sep(w);
    put_string(w->out, s);
}

void jw_int(struct jw *w, int64_t v)
{
    sep(w);
    sbuf_addf(w->out, "%lld", (long long)v);
}

void jw_numg(struct jw *w, double v, int digits)
{
    if (!isfinite(v)) {
        jw_null(w);
        return;
    }
    char buf[NUMFMT_G_MAX];
    numfmt_g(buf, v, digits); /* printf's bytes, several times cheaper (common/numfmt.h) */
    sep(w);
    sbuf_adds(w->out, buf);
}

void jw_num(struct jw *w, double v)
{
    jw_numg(w, v, 17);
}

void jw_bool(struct jw *w, bool v)
{
    sep(w);
    sbuf_adds(w->out, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
    sep(w);
    sbuf_adds(w->out, "null");
}

void jw_raw(struct jw *w, const char *json)
{
    sep(w);
    sbuf_adds(w->out, json);
}

void jw_real(struct jw *w, double v)
{
    char buf[40];
    if (!isfinite(v)) {
        jw_null(w);
        return;
    }
    snprintf(buf, sizeof buf, "%.17g", v);
    /* "2" would read back as an integer: stored jsonb keeps the "2.0" jansson wrote. */
    if (!strpbrk(buf, ".eEn"))
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), ".0");
    jw_raw(w, buf);
}
