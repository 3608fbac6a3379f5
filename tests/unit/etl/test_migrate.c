/*
 * tests/unit/etl/test_migrate.c — etl/migrate against an empty scratch
 * database on the harness's PostgreSQL: a fresh database is not current,
 * migrate applies every migration once, status lists them, and a ledger that
 * disagrees with the binary (an edited or an unknown migration) is refused.
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

#include "scratch_db.h"

static struct db *db;

static int setup(void **state)
{
    (void)state;
    db = scratch_open("migrate", false);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    scratch_drop(db);
    return 0;
}

/* migrate_status's text, and its pending count. */
static int status_text(char *out, size_t n, int *pending, struct xerr *err)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    int rc = migrate_status(db, f, pending, err);
    rewind(f);
    size_t got = fread(out, 1, n - 1, f);
    out[got] = '\0';
    fclose(f);
    return rc;
}

static void test_fresh_then_current(void **state)
{
    (void)state;
    struct xerr err = { 0 };
    static char text[16384];
    int applied = -1, pending = -1;

    assert_true(migrations_count > 0);
    for (size_t i = 1; i < migrations_count; i++)
        assert_true(migrations[i].version > migrations[i - 1].version); /* applied in this order */
    assert_int_equal(migrate_check_current(db, &err), 78);
    assert_non_null(strstr(err.msg, "run 'xetl migrate' first"));
    assert_int_equal(status_text(text, sizeof text, &pending, &err), 0);
    assert_int_equal(pending, (int)migrations_count);

    assert_int_equal(migrate_apply(db, &applied, &err), 0);
    assert_int_equal(applied, (int)migrations_count);
    assert_int_equal(migrate_check_current(db, &err), 0);
    char n[16];
    snprintf(n, sizeof n, "%zu", migrations_count);
    assert_string_equal(scratch_value(db, "SELECT count(*) FROM xetl.schema_migrations", 0, NULL), n);
    /* The checksum is the server's sha256 of the text compiled in. */
    const char *p[] = { migrations[0].sql };
    char want[80];
    snprintf(want, sizeof want, "%s", scratch_value(db, "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", 1, p));
    assert_string_equal(scratch_value(db, "SELECT checksum FROM xetl.schema_migrations ORDER BY version LIMIT 1", 0,
                                      NULL),
                        want);

    assert_int_equal(migrate_apply(db, &applied, &err), 0); /* safe to run again */
    assert_int_equal(applied, 0);
    assert_int_equal(status_text(text, sizeof text, &pending, &err), 0);
    assert_int_equal(pending, 0);
    assert_non_null(strstr(text, "applied"));
    assert_null(strstr(text, "pending"));
}

static void test_edited_migration_refused(void **state)
{
    (void)state;
    struct xerr err = { 0 };
    static char text[16384];
    int applied = 0, pending = 0;

    assert_int_equal(db_cmd(db,
                            "UPDATE xetl.schema_migrations SET checksum = 'abc' || checksum"
                            " WHERE version = (SELECT max(version) FROM xetl.schema_migrations)",
                            0, NULL, NULL, &err),
                     0);
    assert_int_equal(migrate_apply(db, &applied, &err), 78);
    assert_non_null(strstr(err.msg, "has changed since it was applied"));
    assert_int_equal(status_text(text, sizeof text, &pending, &err), 0);
    assert_non_null(strstr(text, "changed"));
    assert_int_equal(db_cmd(db, "UPDATE xetl.schema_migrations SET checksum = substr(checksum, 4)"
                                " WHERE checksum LIKE 'abc%'",
                            0, NULL, NULL, &err),
                     0);
    assert_int_equal(migrate_apply(db, &applied, &err), 0);
}

static void test_unknown_migration_refused(void **state)
{
    (void)state;
    struct xerr err = { 0 };
    static char text[16384];
    int applied = 0, pending = 0;

    assert_int_equal(db_cmd(db,
                            "INSERT INTO xetl.schema_migrations (version, name, checksum, xetl_version)"
                            " VALUES (9999, 'from_the_future', 'x', '9.9')",
                            0, NULL, NULL, &err),
                     0);
    assert_int_equal(migrate_apply(db, &applied, &err), 78);
    assert_non_null(strstr(err.msg, "9999 'from_the_future' that this xetl does not know"));
    assert_int_equal(status_text(text, sizeof text, &pending, &err), 0);
    assert_non_null(strstr(text, "unknown"));
    assert_int_equal(db_cmd(db, "DELETE FROM xetl.schema_migrations WHERE version = 9999", 0, NULL, NULL, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_then_current),
        cmocka_unit_test(test_edited_migration_refused),
        cmocka_unit_test(test_unknown_migration_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
