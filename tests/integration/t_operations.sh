#!/bin/sh
# What docs/operations.md tells an operator to run: make install (with DESTDIR),
# the installed binary and man page, the installed demo files, the crontab line
# and the systemd units' commands.
. "$XETL_ROOT/tests/lib/testlib.sh"

D="$TMP/root"
make -s -C "$XETL_ROOT" install DESTDIR="$D" PREFIX=/usr/local BIN="${XETL#$XETL_ROOT/}" >"$TMP/install.log" 2>&1
is "$?" 0 "make install DESTDIR=… works"
ok "the binary is installed" test -x "$D/usr/local/bin/xetl"
is "$("$D/usr/local/bin/xetl" --version)" "$("$XETL" --version)" "the installed binary runs"
ok "the man page is installed" test -s "$D/usr/local/share/man/man1/xetl.1"
if command -v man >/dev/null 2>&1; then
    MANWIDTH=100 man -l "$D/usr/local/share/man/man1/xetl.1" > "$TMP/man.txt" 2>"$TMP/man.err"
    like "$(cat "$TMP/man.txt")" "EXIT STATUS" "the man page renders"
    is "$(grep -c 'warning' "$TMP/man.err")" 0 "without troff warnings"
else
    pass "man is not installed here: the page's presence is enough"
fi
for f in demo/demo.sh demo/make_fixtures.py demo/scenario.json fakex/fakex.py fakex/sim.py lib/pg.sh; do
    ok "share/xetl/$f is installed" test -s "$D/usr/local/share/xetl/$f"
done

# Every command the man page lists is a command of the binary.
for c in migrate account pull import fit validate-decay attribute learn health report mail nightly rerun runs demo; do
    like "$(grep -c "^\.B $(echo "$c" | sed 's/-/\\\\-/g')" "$XETL_ROOT/docs/xetl.1")" "^[1-9]" "the man page documents $c"
done

# The crontab line and the systemd unit run these exact commands.
newdb
line=$(grep -E '^ +0 2 \* +\* +\* ' "$XETL_ROOT/docs/operations.md" | head -1)
like "$line" "xetl -q nightly$" "operations.md has the crontab line"
exec_start=$(grep '^ExecStart=' "$XETL_ROOT/docs/systemd/xetl-nightly.service" | sed 's/^ExecStart=//')
is "$exec_start" "/usr/local/bin/xetl -q nightly" "the service runs the same command"
pre=$(grep '^ExecStartPre=' "$XETL_ROOT/docs/systemd/xetl-nightly.service" | sed 's/^ExecStartPre=//')
"$D$(echo "$pre" | cut -d' ' -f1)" $(echo "$pre" | cut -d' ' -f2-) 
is "$?" 0 "the service's ExecStartPre (migrate) runs against a current schema"
"$D/usr/local/bin/xetl" -q nightly
is "$?" 0 "the crontab/systemd command exits 0 (no accounts: nothing to do)"
like "$(grep '^OnCalendar=' "$XETL_ROOT/docs/systemd/xetl-nightly.timer")" "02:00:00 UTC" "the timer fires at 02:00 UTC"
is "$(grep -c '^SuccessExitStatus=75' "$XETL_ROOT/docs/systemd/xetl-nightly.service")" 1 "75 is not a unit failure"

done_testing
