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

# The docs the program points at (report --help, the mail body) are installed.
for f in README.md reports.md operations.md interface.md configuration.md setup.md; do
    ok "share/doc/xetl/$f is installed" test -s "$D/usr/local/share/doc/xetl/$f"
done
like "$("$D/usr/local/bin/xetl" report --help)" "/usr/local/share/doc/xetl/reports.md" "report --help names the installed reports.md"

# Built for /usr/local, installed under another PREFIX: the binary finds its
# share directory beside itself.  A stand-in demo.sh reports what it was given.
D2="$TMP/opt"
make -s -C "$XETL_ROOT" install DESTDIR="$D2" PREFIX=/opt/x BIN="${XETL#$XETL_ROOT/}" >"$TMP/install2.log" 2>&1
is "$?" 0 "make install PREFIX=/opt/x works"
printf '#!/bin/sh\necho "share=$XETL_SHARE"\n' >"$D2/opt/x/share/xetl/demo/demo.sh"
is "$("$D2/opt/x/bin/xetl" demo 2>&1)" "share=$D2/opt/x/share/xetl" "the installed demo finds PREFIX/share/xetl relative to the binary"

# The docs stand alone: every file they (and the program's messages) cite
# exists, every "X.md §N" names a section X has, and nothing points outside.
bad=""
for ref in $(cd "$XETL_ROOT" && grep -ohE '[A-Za-z0-9_./-]*[A-Za-z0-9_-]+\.md' README.md docs/*.md cli/*.c reports/*.c etl/*.c stats/*.c common/*.c | sort -u); do
    r=${ref#./}
    [ -f "$XETL_ROOT/$r" ] || [ -f "$XETL_ROOT/docs/$(basename "$r")" ] || bad="$bad $ref"
done
is "$bad" "" "every .md file the docs and messages cite exists"
bad=""
for hit in $(cd "$XETL_ROOT" && grep -ohE '[a-z_]+\.md §[0-9]+(\.[0-9]+)?' README.md docs/*.md cli/*.c reports/*.c etl/*.c stats/*.c | tr ' ' '@' | sort -u); do
    f=${hit%%@*}; n=${hit#*@§}
    grep -qE "^#+ $n[. ]" "$XETL_ROOT/docs/$f" 2>/dev/null || bad="$bad $hit"
done
is "$bad" "" "every 'X.md §N' names a section that exists"
is "$(cd "$XETL_ROOT" && grep -l '\.\./shared' README.md docs/*.md | tr '\n' ' ')" "" "no doc points outside the project"

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
"$D/usr/local/bin/xetl" -q nightly 2>"$TMP/nightly.err"
is "$?" 78 "the crontab/systemd command with no account registered exits 78 (configuration): cron mails it"
is "$(cat "$TMP/nightly.err")" "xetl: error: no active accounts, nothing to do: add one with 'xetl account add HANDLE'" \
   "and says so on stderr even with -q"
like "$(grep '^OnCalendar=' "$XETL_ROOT/docs/systemd/xetl-nightly.timer")" "02:00:00 UTC" "the timer fires at 02:00 UTC"
is "$(grep -c '^SuccessExitStatus=75' "$XETL_ROOT/docs/systemd/xetl-nightly.service")" 1 "75 is not a unit failure"

done_testing
