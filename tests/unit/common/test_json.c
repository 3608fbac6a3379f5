/* tests/unit/common/test_json.c — common/json: the writer's commas, escaping and numbers; the reader's NULL-safety. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/json.h"

static void test_writer(void **state)
{
    (void)state;
    struct sbuf sb = SBUF_INIT;
    struct jw w;
    sbuf_init(&sb);
    jw_init(&w, &sb);
    jw_obj(&w);
    jw_key(&w, "s");
    jw_str(&w, "q\"\\\n\t\x01é");
    jw_key(&w, "n");
    jw_int(&w, -9007199254740993LL);
    jw_key(&w, "x");
    jw_num(&w, 0.1);
    jw_key(&w, "g");
    jw_numg(&w, 2.0 / 3.0, 4);
    jw_key(&w, "nan");
    jw_num(&w, NAN);
    jw_key(&w, "a");
    jw_arr(&w);
    jw_bool(&w, true);
    jw_null(&w);
    jw_obj(&w);
    jw_obj_end(&w);
    jw_raw(&w, "[1]");
    jw_str(&w, NULL);
    jw_arr_end(&w);
    jw_obj_end(&w);
    assert_string_equal(sb.buf, "{\"s\":\"q\\\"\\\\\\n\\t\\u0001é\",\"n\":-9007199254740993,"
                                "\"x\":0.10000000000000001,\"g\":0.6667,\"nan\":null,"
                                "\"a\":[true,null,{},[1],null]}");

    /* What the writer writes, the reader reads back. */
    char why[160];
    struct jv *doc = jv_parse(sb.buf, sb.len, why, sizeof why);
    assert_non_null(doc);
    assert_string_equal(jv_str(jv_get(doc, "s")), "q\"\\\n\t\x01é");
    int64_t n = 0;
    assert_true(jv_int(jv_get(doc, "n"), &n));
    assert_true(n == -9007199254740993LL);
    assert_true(jv_num(jv_get(doc, "x"), 0) == 0.1);
    assert_true(jv_is_null(jv_get(doc, "nan")));
    assert_int_equal(jv_len(jv_get(doc, "a")), 5);
    assert_true(jv_bool(jv_at(jv_get(doc, "a"), 0), false));
    jv_free(doc);
    sbuf_release(&sb);
}

static void test_reader_absent_and_wrong_types(void **state)
{
    (void)state;
    char why[160] = "";
    assert_null(jv_parse("{\"a\":", 5, why, sizeof why));
    assert_true(strlen(why) > 0);

    const char *text = "{\"b\":{\"c\":\"3\"},\"z\":1,\"list\":[1,2.5]}";
    struct jv *doc = jv_parse(text, strlen(text), NULL, 0);
    int64_t v = 42;
    assert_null(jv_get(doc, "missing"));
    assert_null(jv_get(jv_get(doc, "missing"), "deeper")); /* NULL-safe chains */
    assert_null(jv_str(jv_get(doc, "z")));
    assert_false(jv_int(jv_get(jv_get(doc, "b"), "c"), &v));
    assert_int_equal(v, 42);
    assert_true(jv_num(jv_at(jv_get(doc, "list"), 1), 0) == 2.5);
    assert_null(jv_at(jv_get(doc, "list"), 2));
    assert_true(isnan(jv_num(NULL, NAN)));

    void *it = NULL;
    const char *key;
    const struct jv *val;
    int members = 0;
    while (jv_next(doc, &it, &key, &val))
        members++;
    assert_int_equal(members, 3);

    char *d = jv_dump(jv_get(doc, "b"));
    assert_string_equal(d, "{\"c\":\"3\"}");
    free(d);
    jv_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_reader_absent_and_wrong_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
