#!/bin/sh
# The command-line contract: help, version, bad usage, exit codes, logs,
# config precedence (flag > environment > file > default), accounts.
. "$XETL_ROOT/tests/lib/testlib.sh"

xrun --version
is "$RC" 0 "--version exits 0"
like "$(cat "$OUT")" "^xetl [0-9]+\.[0-9]+\.[0-9]+" "--version prints the version"
xrun -V
is "$(cat "$OUT")" "$("$XETL" --version)" "-V is --version"

xrun --help
is "$RC" 0 "--help exits 0"
for c in migrate account pull import fit attribute learn health report mail nightly rerun demo; do
    like "$(cat "$OUT")" "^  $c " "--help lists $c"
done
for c in migrate account pull import fit validate-decay attribute learn health report mail nightly rerun runs demo; do
    xrun "$c" --help
    is "$RC" 0 "$c --help exits 0"
    like "$(head -3 "$OUT")" "xetl $c" "$c --help describes $c"
done

xrun
is "$RC" 64 "no command exits 64"
xrun frobnicate
is "$RC" 64 "unknown command exits 64"
is "$(cat "$ERR")" "xetl: error: unknown command 'frobnicate' (try 'xetl --help')" "one clear line for an unknown command"
xrun --bogus migrate
is "$RC" 64 "unknown global option exits 64"
# "--" ends the global options: before the command it is not itself taken for one.
xrun -q -- migrate --help
is "$RC" 0 "'xetl -q -- migrate --help' runs migrate"
like "$(head -1 "$OUT")" "^xetl migrate" "and shows its help"
xrun -- --bogus
is "$RC" 64 "after '--' an option-looking word is the command"
is "$(cat "$ERR")" "xetl: error: unknown command '--bogus' (try 'xetl --help')" "and is named as one"
# An empty range says which end is wrong; one day at both ends is a range.
xrun --as-of 2026-11-25T03:00:00Z fit --from 2026-11-07 --to 2026-11-01
is "$RC" 64 "--from after --to exits 64"
is "$(cat "$ERR")" "xetl: error: fit: empty range: --from '2026-11-07' is after --to '2026-11-01' (try 'xetl fit --help')" \
   "naming the command, both dates and where help is"
xrun migrate --bogus
is "$RC" 64 "unknown command option exits 64"
like "$(cat "$ERR")" "try 'xetl migrate --help'" "bad option points at the command's help"
is "$(cat "$ERR")" "xetl: error: migrate: invalid option '--bogus' (unknown, or missing its value) (try 'xetl migrate --help')" \
   "a bad option gives exactly one line naming it"
xrun --as-of 2026-13-45 migrate --status
is "$RC" 64 "invalid --as-of exits 64"
like "$(cat "$ERR")" "invalid --as-of '2026-13-45'" "and names the bad value"
xrun --db
is "$RC" 64 "--db without a value exits 64"
xrun --log-format xml migrate
is "$RC" 64 "unknown log format exits 64"

# Connection failures: bad conninfo is configuration (78), an absent server is unavailable (69).
xrun --db "host=/nonexistent port=1 dbname=x connect_timeout=2" migrate
is "$RC" 69 "unreachable database exits 69"
like "$(cat "$ERR")" "^xetl: error: cannot connect to database" "and says so in one line"
is "$(wc -l < "$ERR" | tr -d ' ')" 1 "exactly one line on stderr"
xrun --db "nonsense_key=1" migrate
is "$RC" 78 "malformed conninfo exits 78"
xrun --db "dbnme=bot" migrate
is "$RC" 78 "a mistyped conninfo key exits 78"
is "$(cat "$ERR")" 'xetl: error: invalid database connection string: invalid connection option "dbnme"' \
   "and names the bad key, as psql does"
xrun --db "postgresql://u:hunter2secret@/nonexistent_db?host=$PGHOST&port=$PGPORT" migrate
unlike "$(cat "$ERR")" "hunter2secret" "a password in the conninfo never appears in the error"
xrun --db 'postgresql://bob:s3cr%zzet@localhost/db' migrate
is "$RC" 78 "a conninfo libpq cannot parse exits 78"
unlike "$(cat "$ERR")" "s3cr" "and libpq's parse error (which quotes the password) is not repeated"
# A password with an unencoded '/' or '@': libpq would read its rest as a port or a host and quote it.
xrun --db 'postgresql://alice:pa/sswd9@localhost/x' migrate
is "$RC" 78 "a URI password holding '/' is a configuration error"
like "$(cat "$ERR")" "percent-encode them" "which says what to do"
unlike "$(cat "$ERR")" "sswd9" "and repeats no part of the password"
xrun --db "postgresql:///$PGDATABASE?host=$PGHOST&port=$PGPORT&application_name=a@b:c/d" migrate --status
is "$RC" 0 "an '@' in a URI's query is not taken for a password's"
xrun --db 'postgresql://alice:s3cr@tpwd7@localhost/x' migrate
is "$RC" 78 "a URI password holding '@' too"
unlike "$(cat "$ERR")" "s3cr|tpwd7" "without repeating it"
# The operator's options (the conninfo's, else PGOPTIONS) are kept beside xetl's own.
newdb
xrun --db "dbname=$PGDATABASE options='-c default_transaction_read_only=on'" account add roprobe --user-id 42
ok "options in the conninfo reach the server (a read-only session cannot add an account)" test "$RC" != 0
like "$(cat "$ERR")" "read-only transaction" "and the server's refusal says why"
PGOPTIONS='-c default_transaction_read_only=on' xrun account add roprobe --user-id 42
ok "PGOPTIONS reaches the server too" test "$RC" != 0
printf '[ro]\nhost=%s\nport=%s\ndbname=%s\noptions=-c default_transaction_read_only=on\n' \
    "$PGHOST" "$PGPORT" "$PGDATABASE" > "$TMP/pg_service.conf"
PGSERVICEFILE="$TMP/pg_service.conf" xrun --db "service=ro" account add roprobe --user-id 42
ok "so do a pg_service.conf entry's options" test "$RC" != 0
like "$(cat "$ERR")" "read-only transaction" "(the server refused the write)"
xrun account add roprobe --user-id 42
is "$RC" 0 "and without them the same account is added"

# JSON logs: one object per line, the error included with its exit code.
xrun --log-format json frobnicate
is "$RC" 64 "json log format still exits 64"
like "$(cat "$ERR")" '^\{"ts":"[0-9T:.Z-]+","level":"error","msg":"unknown command .*","exit":64\}$' "the error is a JSON line"

# Accounts.
newdb
xrun account add growthbot --user-id 1234567890
is "$RC" 0 "account add"
xrun account add @GrowthBot --user-id 99
is "$RC" 65 "a handle differing only in case is the same account: another user id conflicts (65)"
like "$(cat "$ERR")" "already registered" "and says so"
xrun account add GrowthBot --user-id 1234567890
is "$RC" 0 "adding the same account again is not an error (idempotent provisioning)"
like "$(cat "$ERR")" "account 'growthbot' \(user id 1234567890\) already exists: nothing changed" \
   "and says it already exists rather than 'added'"
xrun account add bad-handle! --user-id 5
is "$RC" 64 "an invalid handle is a usage error (64)"
xrun account add okhandle --user-id 12ab
is "$RC" 64 "a non-numeric user id is a usage error (64)"
xrun account add second --user-id 42 --no-bot-content
xrun account list
is "$RC" 0 "account list"
is "$(sed -n 2p "$OUT" | awk '{print $1, $2, $3, $4}')" "growthbot 1234567890 yes yes" "list shows handle, user id, active, bot_content"
is "$(sed -n 3p "$OUT" | awk '{print $1, $4}')" "second no" "--no-bot-content is recorded"
xrun account
is "$RC" 64 "account without a subcommand exits 64"
xrun --account nobody pull --help
is "$RC" 0 "--help works whatever the globals"

# Config precedence: flag > environment > file > default, shown by which database is used.
for n in a b c; do
    dropdb --if-exists "t_cli_prec_$n" 2>/dev/null
    createdb "t_cli_prec_$n"
    "$XETL" -q --db "dbname=t_cli_prec_$n" migrate
    "$XETL" -q --db "dbname=t_cli_prec_$n" account add "acct_$n" --user-id 1
done
printf '# test config\ndb = dbname=t_cli_prec_c\n' > "$TMP/xetl.conf"
unset XETL_DB
first_account() { "$XETL" "$@" account list 2>&1 | sed -n 2p | awk '{print $1}'; }
is "$(XETL_DB=dbname=t_cli_prec_b first_account --config "$TMP/xetl.conf" --db dbname=t_cli_prec_a)" acct_a "a flag beats the environment and the file"
is "$(XETL_DB=dbname=t_cli_prec_b first_account --config "$TMP/xetl.conf")" acct_b "the environment beats the file"
is "$(first_account --config "$TMP/xetl.conf")" acct_c "the file beats the default"
is "$(XETL_CONFIG="$TMP/xetl.conf" first_account)" acct_c "XETL_CONFIG names the file"
is "$(cd "$TMP" && first_account)" acct_c "./xetl.conf is read when present"
is "$(cd "$TMP" && PGDATABASE=t_cli_prec_b first_account --config /dev/null)" acct_b "libpq's own defaults come last"
# The search path after ./xetl.conf: $XDG_CONFIG_HOME/xetl/xetl.conf, then
# ~/.config/xetl/xetl.conf; the first found wins and --help says which.
mkdir -p "$TMP/xdg/xetl" "$TMP/home/.config/xetl" "$TMP/empty"
printf 'db = dbname=t_cli_prec_b\n' > "$TMP/xdg/xetl/xetl.conf"
printf 'db = dbname=t_cli_prec_a\n' > "$TMP/home/.config/xetl/xetl.conf"
is "$(cd "$TMP/empty" && XDG_CONFIG_HOME="$TMP/xdg" HOME="$TMP/home" first_account)" acct_b \
   "\$XDG_CONFIG_HOME/xetl/xetl.conf is read when there is no ./xetl.conf"
is "$(cd "$TMP" && XDG_CONFIG_HOME="$TMP/xdg" first_account)" acct_c "./xetl.conf comes before it"
is "$(cd "$TMP/empty" && unset XDG_CONFIG_HOME && HOME="$TMP/home" first_account)" acct_a \
   "without XDG_CONFIG_HOME, ~/.config/xetl/xetl.conf"
is "$(cd "$TMP/empty" && XDG_CONFIG_HOME="$TMP/xdg" "$XETL" --help | tail -1)" \
   "Configuration: $TMP/xdg/xetl/xetl.conf (read)" "--help says which file is read"
like "$(cd "$TMP/empty" && XDG_CONFIG_HOME="$TMP/none" HOME="$TMP/none" "$XETL" --help | tail -1)" \
   "^Configuration: no file found \(looked for \./xetl\.conf, $TMP/none/xetl/xetl\.conf, /etc/xetl/xetl\.conf\)" \
   "and where it looked when none is found"
is "$(cd "$TMP" && "$XETL" --config "$TMP/xetl.conf" --help | tail -1)" "Configuration: $TMP/xetl.conf (read)" \
   "--config wins over the search"
global_after=$("$XETL" account list --db dbname=t_cli_prec_a 2>&1 | sed -n 2p | awk '{print $1}')
is "$global_after" acct_a "global options are accepted after the command"

printf 'db = dbname=x\nno_such_key = 1\n' > "$TMP/bad.conf"
xrun --config "$TMP/bad.conf" migrate
is "$RC" 78 "an unknown config key exits 78"
like "$(cat "$ERR")" "bad.conf:2: unknown config key 'no_such_key'" "with file, line and key"
xrun --config "$TMP/absent.conf" migrate
is "$RC" 78 "a named config file that does not exist exits 78"
printf 'this line has no equals sign\n' > "$TMP/bad2.conf"
xrun --config "$TMP/bad2.conf" migrate
is "$RC" 78 "a malformed config line exits 78"

# Typed settings are checked at start-up, whichever command runs, naming where the value came from.
printf 'db = dbname=x\n# the range\nreport.days = seven\n' > "$TMP/typed.conf"
xrun --config "$TMP/typed.conf" runs
is "$RC" 78 "a setting that is not a number exits 78 before any work"
is "$(cat "$ERR")" "xetl: error: $TMP/typed.conf:3: report.days must be a whole number, not 'seven'" \
   "one line with the file, line, key and value"
printf 'x_user_context = maybe\n' > "$TMP/typed2.conf"
xrun --config "$TMP/typed2.conf" migrate --status
is "$RC" 78 "a boolean that is not true/false exits 78"
like "$(cat "$ERR")" "typed2.conf:1: x_user_context must be true or false, not 'maybe'" "named with its line"
XETL_LEARN_DRAWS=500 xrun runs
is "$RC" 78 "a value out of range from the environment exits 78"
like "$(cat "$ERR")" "XETL_LEARN_DRAWS: learn.draws must be between 10000 and 100000000, not '500'" \
   "named by its environment variable, with the allowed range"
XETL_PULL_TIMEOUT=1.5 xrun runs
is "$RC" 78 "a fraction where a whole number is expected exits 78"
printf 'report.days = 30\n' > "$TMP/typed3.conf"
XETL_REPORT_DAYS=abc xrun --config "$TMP/typed3.conf" runs
like "$(cat "$ERR")" "XETL_REPORT_DAYS: report.days must be a whole number" "the value that wins by precedence is the one checked"
XETL_REPORT_DAYS=14 xrun --config "$TMP/typed.conf" runs
n_typed=$(grep -c "report.days" "$ERR")
is "$n_typed" 0 "a bad file value overridden by the environment is not an error"

# The run log shows the as-of a command ran at: a rerun's is the end of its range, not the clock.
newdb
"$XETL" -q account add rerunbot --user-id 777
XETL_REPORT_OUT="$TMP/rr" xrun rerun --from 2026-11-01 --to 2026-11-07
is "$RC" 0 "a rerun over an empty range"
# A stage's done line lists what it did, not a row of zero counters.
like "$(grep "fit 'rerunbot': done" "$ERR")" "fit 'rerunbot': done in [0-9.]+ s \(nothing to do\)$" "a stage that did nothing says so"
unlike "$(grep ": done" "$ERR")" "[(, ]0 (requests|rows|rejects|fits|attributions|files|warnings)" "no done line lists a zero counter"
like "$(grep "report 'rerunbot': done" "$ERR")" "\(7 files\)$" "and one that did lists only its counts"
xrun runs --limit 1
is "$(sed -n 2p "$OUT" | awk '{print $2, $7}')" "rerun 2026-11-08T00:00:00Z" "xetl runs shows the rerun's as-of, the end of its range"

# account add without --user-id looks the id up with the token (GET /2/users/by/username/H).
. "$XETL_ROOT/tests/fakex/fakex.sh"
fakex_start --token cli-token
trap 'fakex_stop; rm -rf "$TMP"' EXIT
XETL_X_BEARER_TOKEN=cli-token xrun account add @xetl_demo
is "$RC" 0 "account add HANDLE looks the user id up on X"
is "$(sql "SELECT x_user_id FROM xetl.accounts WHERE handle = 'xetl_demo'")" 1000000001 "and stores the id X gave"
like "$(cat "$ERR")" "x says '@xetl_demo' is user id 1000000001" "and says what it found"
XETL_X_BEARER_TOKEN=cli-token xrun account add nosuchuser
is "$RC" 65 "a handle X does not know exits 65"
like "$(cat "$ERR")" "x has no user '@nosuchuser'" "and says so"
env -u XETL_X_BEARER_TOKEN "$XETL" account add someone >"$OUT" 2>"$ERR"
is "$?" 78 "without a token (import-only) the lookup is a configuration error"
like "$(cat "$ERR")" "account add without --user-id looks the id up on X: " "that says why a token is needed"
fakex_stop

# Every setting the code knows is documented, with its environment variable.
missing=""
for k in $(grep -o '{ "[a-z_.0-9-]*"' "$XETL_ROOT/common/config_keys.c" | sed 's/{ "//; s/"//'); do
    env=$(echo "XETL_$k" | tr 'a-z.-' 'A-Z__')
    grep -q "| \`$k\` | \`$env\` |" "$XETL_ROOT/docs/configuration.md" || missing="$missing $k"
done
is "$missing" "" "docs/configuration.md documents every config key"

done_testing
