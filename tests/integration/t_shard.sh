#!/bin/sh
# t_shard.sh — nightly --shard K/N: three shards cover six accounts exactly
# once and leave the tables and report bytes of one unsharded nightly (the
# roll-up then written by `report --rollup`); two shards run at once, while
# the same shard twice, an unsharded nightly, a stage command and a shard of
# another N are refused with 75; xetl runs shows the shard; rerun --shard.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"

. "$XETL_ROOT/tests/lib/six_accounts.sh"
six_accounts sh 100000010 40

# --- one unsharded nightly: the reference ------------------------------------------------------
setup
XETL_REPORT_OUT="$TMP/one" "$XETL" -q --as-of "$ASOF" nightly >/dev/null 2>"$TMP/one.err"
is "$?" 0 "the unsharded nightly exits 0"; sed "s/^/# /" "$TMP/one.err"
# One session pulls the accounts one after another, reading the bot posts no account
# tracks once (pull_bot_free): what an account took, or learnt the author of, is no
# later account's candidate, so only the first asks X for other accounts' posts.
is "$(sql "SELECT string_agg(DISTINCT r.account_id::text, ',') FROM xetl.raw_responses r
             JOIN xetl.posts p ON p.account_id <> r.account_id AND r.request_path ~ ('[=,]' || p.tweet_id || '[,&]')
            WHERE r.endpoint = '/2/tweets'")" 1 "only the first account's pull asked for other accounts' posts"
results_digest > "$TMP/one.digest"
ok "it wrote the roll-up" test -n "$(ls "$TMP/one" | grep '^xetl-rollup-')"

# --- three shards, one after another ----------------------------------------------------------
setup
for k in 1 2 3; do
    XETL_REPORT_OUT="$TMP/three" "$XETL" -q --as-of "$ASOF" nightly --shard "$k/3" >/dev/null 2>"$TMP/s$k.err"
    is "$?" 0 "shard $k/3 exits 0"; sed "s/^/# /" "$TMP/s$k.err"
done
is "$(sql "SELECT string_agg(r.shard || ':' || s.account_id, ' ' ORDER BY s.account_id)
             FROM xetl.run_stages s JOIN xetl.runs r USING (run_id) WHERE s.stage = 'pull'")" \
   "1/3:1 2/3:2 3/3:3 1/3:4 2/3:5 3/3:6" "each account pulled once, by the shard (account_id - 1) mod 3 + 1"
is "$(sql "SELECT count(*) FROM xetl.run_stages WHERE stage = 'rollup'")" 0 "no shard writes the roll-up"
# Shard 1's first pull learnt every new bot post's author, so shards 2 and 3 ask X only for their own.
is "$(sql "SELECT string_agg(DISTINCT r.account_id::text, ',') FROM xetl.raw_responses r
             JOIN xetl.posts p ON p.account_id <> r.account_id AND r.request_path ~ ('[=,]' || p.tweet_id || '[,&]')
            WHERE r.endpoint = '/2/tweets'")" 1 "only shard 1's first account asked X for other accounts' posts"
results_digest > "$TMP/three.digest"
if cmp -s "$TMP/one.digest" "$TMP/three.digest"; then pass "three shards leave the tables of one unsharded run"
else fail "three shards leave the tables of one unsharded run" "$(diff "$TMP/one.digest" "$TMP/three.digest")"; fi
xrun --as-of "$ASOF" report --rollup --out "$TMP/three"
is "$RC" 0 "report --rollup after the shards exits 0"
is "$(ls "$TMP/three")" "$(ls "$TMP/one")" "the same report files"
for f in $(ls "$TMP/one"); do
    ok "$f: the same bytes" cmp "$TMP/one/$f" "$TMP/three/$f"
done
xrun runs --limit 4
like "$(sed -n 2p "$OUT")" "report +ok .* - " "xetl runs: '-' for a run that is not a shard"
like "$(sed -n 3p "$OUT")" "nightly +ok .* 3/3 " "xetl runs shows a nightly's shard"

# --- at the same time: two shards run; the same shard twice, an unsharded run, a stage ---------
# --- command and a shard of another N are refused with 75 -----------------------------------------
# Shard 1/3 (accounts 1 and 4) is held in its first request to X; the others do not touch that path.
fakex_post /_fake/faults '{"rules": [{"path": "/2/users/1000000101", "delay": 8, "times": 1}]}' >/dev/null
"$XETL" -q --as-of "$ASOF" nightly --shard 1/3 >/dev/null 2>"$TMP/held.err" &
held=$!
_i=0
while [ "$(sql "SELECT count(*) FROM xetl.run_stages s JOIN xetl.runs r USING (run_id) WHERE r.status = 'running' AND r.shard = '1/3'")" = 0 ] && [ $_i -lt 100 ]; do
    _i=$((_i + 1)); sleep 0.1
done
HELD_RUN=$(sql "SELECT run_id FROM xetl.runs WHERE status = 'running' AND shard = '1/3'")
xrun --as-of "$ASOF" nightly --shard 2/3
is "$RC" 0 "shard 2/3 runs while shard 1/3 runs"; [ "$RC" = 0 ] || sed "s/^/# /" "$ERR"
is "$(sql "SELECT status FROM xetl.runs WHERE run_id = $HELD_RUN")" running "and shard 1/3 was running all along"
xrun --as-of "$ASOF" nightly --shard 1/3
is "$RC" 75 "the same shard twice: 75"
like "$(cat "$ERR")" "another run holds the shard 1/3 lock \(nightly run $HELD_RUN, shard 1/3, pid [0-9]+ on " \
     "naming the run that holds it"
xrun --as-of "$ASOF" nightly
is "$RC" 75 "an unsharded nightly while a shard runs: 75"
like "$(cat "$ERR")" "another run holds the nightly lock" "saying the nightly lock is held"
xrun --as-of "$ASOF" fit
is "$RC" 75 "a stage command while a shard runs: 75"
xrun --as-of "$ASOF" nightly --shard 2/2
is "$RC" 75 "a shard of another N while a shard of 3 runs: 75"
like "$(cat "$ERR")" "shard 2/2 cannot run beside shard 1/3 \(run $HELD_RUN\): every host must use the same N" \
     "saying every host must use the same N"
wait $held
is "$?" 0 "the held shard finishes"; sed "s/^/# /" "$TMP/held.err"
fakex_post /_fake/reset '{}' >/dev/null
is "$(sql "SELECT count(*) FROM xetl.runs WHERE status = 'running'")" 0 "no run left running"

# --- a shard excluded by the exclusive lock (a stage command's, an unsharded nightly's), -------
# --- and rerun --shard ----------------------------------------------------------------------------
fakex_post /_fake/faults '{"rules": [{"path": "/2/users/1000000101", "delay": 4, "times": 1}]}' >/dev/null
"$XETL" -q --as-of "$ASOF" pull >/dev/null 2>&1 &
held=$!
_i=0
while [ "$(sql "SELECT count(*) FROM xetl.runs WHERE status = 'running' AND command = 'pull'")" = 0 ] && [ $_i -lt 100 ]; do
    _i=$((_i + 1)); sleep 0.1
done
sleep 0.5
xrun --as-of "$ASOF" nightly --shard 3/3
is "$RC" 75 "a shard while pull holds the nightly lock: 75"
like "$(cat "$ERR")" "another run holds the nightly lock \(pull run " "naming the pull"
wait $held
fakex_post /_fake/reset '{}' >/dev/null
xrun rerun --from 2026-11-13 --to 2026-11-19 --shard 2/3 --format csv
is "$RC" 64 "rerun takes no --format (the usual usage error)"
XETL_REPORT_OUT="$TMP/rerun" "$XETL" -q rerun --from 2026-11-13 --to 2026-11-19 --shard 2/3 >/dev/null 2>"$TMP/rerun.err"
is "$?" 0 "rerun --shard 2/3 exits 0"; sed "s/^/# /" "$TMP/rerun.err"
is "$(sql "SELECT string_agg(DISTINCT s.account_id::text, ' ') FROM xetl.run_stages s WHERE s.run_id = $(last_run)")" \
   "2 5" "rerun --shard 2/3 covers accounts 2 and 5 only"
for bad in 0/3 4/3 3 1/0 a/b 1/3x 1/1001; do
    xrun nightly --shard "$bad"
    is "$RC" 64 "--shard $bad: usage error"
done
like "$(cat "$ERR")" "--shard must be K/N with 1 <= K <= N <= 1000, not '1/1001'" "saying what K/N may be"

done_testing
