#!/bin/sh
# t_pull_accounts.sh — `xetl pull` over several accounts at once: their requests run
# concurrently through one client, one account's 401 (or X failing for it) does not stop
# the others, and the exit status says that some failed; the tables of the accounts that
# succeeded are those of pulling each alone.
. "$XETL_ROOT/tests/lib/testlib.sh"
. "$XETL_ROOT/tests/fakex/fakex.sh"

A=1000000041 B=1000000042 C=1000000043
cat >"$TMP/scenario.json" <<EOF
{"now": "2026-11-06T00:00:00Z",
 "accounts": [{"user_id": "$A", "handle": "acct_a", "start": "2026-10-25T00:00:00Z",
               "posts": 120, "replies": 10, "manual_posts": 2, "interval_hours": 2, "seed": 41},
              {"user_id": "$B", "handle": "acct_b", "start": "2026-10-25T00:00:00Z",
               "posts": 60, "replies": 5, "manual_posts": 1, "interval_hours": 4, "seed": 42},
              {"user_id": "$C", "handle": "acct_c", "start": "2026-10-25T00:00:00Z",
               "posts": 90, "replies": 0, "manual_posts": 3, "interval_hours": 3, "seed": 43}]}
EOF
TOKEN="accts-token-$$"
fakex_start --token "$TOKEN" --scenario "$TMP/scenario.json"
trap 'fakex_stop; rm -rf "$TMP"' EXIT
export XETL_X_BEARER_TOKEN="$TOKEN" XETL_PULL_REFRESH_SCHEDULE="30d:0" XETL_PULL_TIMELINE_DAYS=30
export XETL_PULL_BACKOFF_MS=5 XETL_PULL_RETRIES=1
AS_OF=2026-11-06T00:00:00Z
fakex_post /_fake/clock "{\"now\": \"$AS_OF\"}" >/dev/null

# rows HANDLE: the account's snapshots at the as-of, one line per post
rows() {
    sql "SELECT s.tweet_id || '|' || s.likes || '|' || s.impressions FROM performance_snapshots s
           JOIN xetl.accounts a USING (account_id)
          WHERE a.handle = '$1' AND s.snapshot_at = '$AS_OF' ORDER BY s.tweet_id::numeric"
}
# same_as_alone HANDLE WHAT: the account's snapshots equal those of pulling it alone
same_as_alone() {
    rows "$1" >"$TMP/now_$1"
    if cmp -s "$TMP/alone_$1" "$TMP/now_$1"; then pass "$1: $2"
    else fail "$1: $2" "$(diff "$TMP/alone_$1" "$TMP/now_$1" | head -3)"; fi
}
seed() {
    newdb
    for h in "acct_a $A" "acct_b $B" "acct_c $C"; do
        set -- $h
        "$XETL" -q account add "$1" --user-id "$2" --no-bot-content || { echo "Bail out! account add $1"; exit 1; }
    done
    fakex_post /_fake/reset '{}' >/dev/null
}

# Each account alone, one request at a time: the reference.
seed
for h in acct_a acct_b acct_c; do
    XETL_PULL_CONCURRENCY=1 xrun --as-of "$AS_OF" pull --account "$h"
    is "$RC" 0 "$h alone: exit 0"
    rows "$h" >"$TMP/alone_$h"
done
ok "the reference has posts of every account" \
   test -s "$TMP/alone_acct_a" -a -s "$TMP/alone_acct_b" -a -s "$TMP/alone_acct_c"

# All three at once.
seed
xrun --as-of "$AS_OF" pull
is "$RC" 0 "three accounts at once: exit 0"
for h in acct_a acct_b acct_c; do same_as_alone "$h" "the same snapshots as pulled alone"; done

# B's user answers 401 forever: A and C are pulled all the same, the exit status says one failed.
seed
fakex_post /_fake/faults "{\"rules\": [{\"path\": \"/2/users/$B\", \"status\": 401, \"times\": -1}]}" >/dev/null
xrun --as-of "$AS_OF" pull
is "$RC" 78 "one account's 401: exit 78"
like "$(cat "$ERR")" "1 of 3 accounts failed" "says how many accounts failed"
like "$(cat "$ERR")" "refused the bearer token on /2/users/:id" "names the failure"
is "$(rows acct_b | wc -l)" 0 "the refused account: nothing derived"
for h in acct_a acct_c; do same_as_alone "$h" "pulled in full beside the refused account"; done

# X unavailable for A's posts (5xx past the retries): B and C go on, exit 69.
seed
fakex_post /_fake/faults "{\"rules\": [{\"path\": \"/2/users/$A/tweets\", \"status\": 503, \"times\": -1}]}" >/dev/null
xrun --as-of "$AS_OF" pull
is "$RC" 69 "X unavailable for one account: exit 69"
is "$(rows acct_a | wc -l)" 0 "the unavailable account: nothing derived"
is "$(rows acct_c | wc -l)" "$(wc -l <"$TMP/alone_acct_c")" "acct_c pulled in full"

fakex_stop
done_testing
