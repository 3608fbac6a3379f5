/*
 * tests/unit/etl/test_accounts.c — etl/accounts against a migrated scratch
 * database: handles checked before the database sees them, provisioning run
 * twice is not an error, a clash is, and loading by handle or all active.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "etl/accounts.h"
#include "scratch_db.h"

static struct db *db;

static int setup(void **state)
{
    (void)state;
    db = scratch_open("accounts", true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    scratch_drop(db);
    return 0;
}

static void test_valid_handle(void **state)
{
    (void)state;
    assert_true(accounts_valid_handle("a"));
    assert_true(accounts_valid_handle("Growth_Bot_2026"));  /* 15 */
    assert_false(accounts_valid_handle("Growth_Bot_20267")); /* 16 */
    assert_false(accounts_valid_handle(""));
    assert_false(accounts_valid_handle("@bot"));
    assert_false(accounts_valid_handle("bot-1"));
    assert_false(accounts_valid_handle("b\xc3\xa9t"));
}

static void test_add_and_load(void **state)
{
    (void)state;
    struct xerr err = { 0 };
    struct account a = { 0 }, again = { 0 };
    struct account_list l = { 0 };
    bool exists = true;

    assert_int_equal(accounts_add(db, "bad handle", "1", true, &a, &err), 64);
    assert_int_equal(accounts_add(db, "ok", "12x", true, &a, &err), 64);
    assert_int_equal(accounts_exists(db, "@Zeta", "42", &exists, &err), 0);
    assert_false(exists);
    assert_int_equal(accounts_add(db, "@Zeta", "42", false, &a, &err), 0);
    assert_true(a.id > 0);
    assert_string_equal(a.handle, "Zeta");
    assert_string_equal(a.user_id, "42");
    assert_true(a.active);
    assert_false(a.bot_content);
    /* The same account again (any case): the row that is there, not an error. */
    assert_int_equal(accounts_add(db, "zeta", "42", true, &again, &err), 0);
    assert_true(again.id == a.id);
    assert_false(again.bot_content);
    assert_int_equal(accounts_exists(db, "ZETA", "42", &exists, &err), 0);
    assert_true(exists);
    /* The handle with another id, or the id with another handle: a clash. */
    assert_int_equal(accounts_add(db, "zeta", "43", true, NULL, &err), 65);
    assert_non_null(strstr(err.msg, "already registered"));
    assert_int_equal(accounts_add(db, "alpha", "42", true, NULL, &err), 65);
    assert_int_equal(accounts_add(db, "alpha", "7", true, NULL, &err), 0);

    assert_int_equal(accounts_load(db, NULL, 0, &l, &err), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0].handle, "alpha"); /* by handle, any case */
    assert_string_equal(l.v[1].handle, "Zeta");
    account_list_release(&l);
    char h1[] = "@zeta", h2[] = "zeta", h3[] = "nobody";
    char *want[] = { h1 };
    assert_int_equal(accounts_load(db, want, 1, &l, &err), 0);
    assert_int_equal(l.n, 1);
    assert_true(l.v[0].id == a.id);
    account_list_release(&l);
    char *unknown[] = { h2, h3 };
    assert_int_equal(accounts_load(db, unknown, 2, &l, &err), 64);
    assert_non_null(strstr(err.msg, "unknown account 'nobody'"));
    assert_int_equal(l.n, 0);
    assert_null(l.v);
}

struct listed {
    int n;
    char line[128];
};

static void on_row(void *arg, const struct account_row *r)
{
    struct listed *l = arg;
    if (l->n++ == 0)
        snprintf(l->line, sizeof l->line, "%s %s %s %s %s", r->handle, r->user_id, r->active, r->bot_content, r->posts);
}

static void test_list(void **state)
{
    (void)state;
    struct xerr err = { 0 };
    struct listed l = { 0 };
    assert_int_equal(accounts_list(db, on_row, &l, &err), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.line, "alpha 7 yes yes 0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_handle),
        cmocka_unit_test(test_add_and_load),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
