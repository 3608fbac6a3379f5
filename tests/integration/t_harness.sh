#!/bin/sh
# t_harness.sh — tests/run.sh itself can fail: fake TAP files run through it
# (without a server) and the verdict on each is checked.
. "$XETL_ROOT/tests/lib/testlib.sh"

fake() { printf '%b' "$2" > "$TMP/$1.sh"; }
fake good       'echo "ok 1 - a"\necho "ok 2 - b"\necho "1..2"\n'
fake skips      'echo "ok 1 - a"\necho "ok 2 # skip no data"\necho "ok 3 # SKIP no server"\necho "1..3"\n'
fake noplan     'echo "ok 1 - a"\n'
fake shortplan  'echo "1..3"\necho "ok 1 - a"\necho "ok 2 - b"\n'
fake early      'echo "ok 1 - a"\nexit 0\necho "1..2"\n'
fake nothing    'echo "1..0"\n'
fake silent     'true\n'
fake bail       'echo "Bail out! setup"\necho "ok 1 - a"\necho "1..1"\n'
fake dies       'echo "ok 1 - a"\necho "1..1"\nexit 3\n'
fake failing    'echo "ok 1 - a"\necho "not ok 2 - b"\necho "1..2"\n'

verdict() {
    XETL_NO_PG=1 sh "$XETL_ROOT/tests/run.sh" "$TMP/$1.sh" > "$TMP/$1.out" 2>&1
    echo "rc=$? $(tail -1 "$TMP/$1.out")"
}
is "$(verdict good)" "rc=0 2 passed, 0 failed, 0 skipped" "a matching plan passes"
is "$(verdict skips)" "rc=0 1 passed, 0 failed, 2 skipped" "a skip directive counts as skipped, not passed"
like "$(cat "$TMP/skips.out")" "skips.sh: 1 passed, 2 skipped" "the file line names the skips"
is "$(verdict noplan)" "rc=1 1 passed, 1 failed, 0 skipped" "no plan fails"
like "$(cat "$TMP/noplan.out")" "noplan.sh: 1 failed \(exit 0; no TAP plan\)" "saying why"
is "$(verdict shortplan)" "rc=1 2 passed, 1 failed, 0 skipped" "fewer assertions than planned fails"
like "$(cat "$TMP/shortplan.out")" "planned 3, ran 2" "saying how many"
is "$(verdict early)" "rc=1 1 passed, 1 failed, 0 skipped" "a script that stops before its plan fails"
is "$(verdict nothing)" "rc=1 0 passed, 1 failed, 0 skipped" "a plan of no assertions fails"
is "$(verdict silent)" "rc=1 0 passed, 1 failed, 0 skipped" "a script that prints nothing fails"
is "$(verdict bail)" "rc=1 1 passed, 1 failed, 0 skipped" "a bail-out fails"
is "$(verdict dies)" "rc=1 1 passed, 1 failed, 0 skipped" "a non-zero exit fails"
is "$(verdict failing)" "rc=1 1 passed, 1 failed, 0 skipped" "a failed assertion fails"

done_testing
