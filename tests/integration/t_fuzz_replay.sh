#!/bin/sh
# t_fuzz_replay.sh — every fuzz target (tests/fuzz/fuzz_*.c, built by make check
# with tests/fuzz/replay.c instead of libFuzzer) run once on each file of its seed
# corpus and of its regression inputs (tests/fuzz/regress/TARGET: each a crash a
# fuzzer found, kept so it stays fixed).  Under make SANITIZE=… this replays
# them with ASan and UBSan.
. "$XETL_ROOT/tests/lib/testlib.sh"

for src in "$XETL_ROOT"/tests/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    t=${t#fuzz_}
    bin="$XETL_ROOT/$XETL_BUILD/tests/fuzz/fuzz_$t"
    dirs=""
    for d in corpus regress; do
        [ -d "$XETL_ROOT/tests/fuzz/$d/$t" ] && dirs="$dirs $XETL_ROOT/tests/fuzz/$d/$t"
    done
    want=$(find $dirs -type f ! -name '.*' | wc -l | tr -d ' ')
    # shellcheck disable=SC2086
    "$bin" $dirs >"$TMP/$t.out" 2>"$TMP/$t.err"
    rc=$?
    is "$rc" 0 "fuzz_$t replays its inputs without a crash or broken invariant$( [ "$rc" = 0 ] || echo ": $(grep -m1 -E 'invariant|ERROR|runtime error' "$TMP/$t.err")")"
    is "$(grep -c '^ok ' "$TMP/$t.out")" "$want" "fuzz_$t: all $want inputs replayed"
done

done_testing
