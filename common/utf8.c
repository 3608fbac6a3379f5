/* common/utf8.c — see utf8.h. */
#include "common/utf8.h"

#include <stdint.h>
#include <string.h>

#include "common/sbuf.h"

size_t utf8_seq_len(const char *str, size_t avail)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t extra;
    uint32_t cp;

    if (avail == 0 || s[0] == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        extra = 1, cp = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        extra = 2, cp = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        extra = 3, cp = s[0] & 0x07;
    else
        return 0;
    if (extra >= avail)
        return 0;
    for (size_t k = 1; k <= extra; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return extra + 1;
}

bool utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        /* ASCII runs are most of every export: skip them without the full check. */
        if ((unsigned char)s[i] < 0x80 && s[i] != 0) {
            i++;
            continue;
        }
        size_t k = utf8_seq_len(s + i, len - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

void utf8_add_scrubbed(struct sbuf *sb, const char *s, size_t len)
{
    if (utf8_valid(s, len)) { /* nearly always: one copy */
        sbuf_add(sb, s, len);
        return;
    }
    size_t i = 0;
    while (i < len) {
        size_t k = utf8_seq_len(s + i, len - i);
        if (k) {
            sbuf_add(sb, s + i, k);
            i += k;
        } else {
            sbuf_addc(sb, '?');
            i++;
        }
    }
}

/* Whether the n bytes after a lead byte at s are all continuation bytes. */
static bool continuations(const char *s, size_t n)
{
    for (size_t k = 1; k < n; k++)
        if (((unsigned char)s[k] & 0xC0) != 0x80)
            return false;
    return true;
}

void utf8_scrub(char *s)
{
    size_t len = strlen(s), i = 0;
    while (i < len) {
        size_t k = utf8_seq_len(s + i, len - i);
        if (k) {
            i += k;
            continue;
        }
        /* A lead byte whose sequence the end cut off: drop the tail, not '?' it. */
        unsigned char c = (unsigned char)s[i];
        size_t want = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
        if (want && i + want > len && continuations(s + i, len - i)) {
            s[i] = '\0';
            return;
        }
        s[i++] = '?';
    }
}
