/*
 * fuzz_mail — recipient lists and SMTP host names (reports/mail.c).
 * Invariants: an accepted list yields a To header with no CR, LF or angle
 * bracket (nothing that could inject a header or a second envelope address).
 */
#include <string.h>

#include "common/sbuf.h"
#include "reports/mail.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    struct sbuf hdr;
    struct xerr err = { 0 };
    sbuf_init(&hdr);
    if (mail_check_rcpts(s, &hdr, &err) == 0) {
        FUZZ_CHECK(hdr.len > 0);
        FUZZ_CHECK(!strpbrk(hdr.buf, "\r\n<>"));
    }
    sbuf_release(&hdr);
    mail_host_is_loopback(s);
    free(s);
    return 0;
}
