#!/bin/sh
# xetl import on the hand-made exports in fixtures/exports: every quirk,
# values checked in every table written, bad rows rejected with line and
# reason while the good rows load, and a second import changing nothing.
. "$XETL_ROOT/tests/lib/testlib.sh"
FX="$XETL_ROOT/fixtures/exports"
LEGACY="$FX/tweet_activity_metrics_xetlbot_20190501_20190531_en.csv"
CONTENT="$FX/account_analytics_content_2024-11-01_2024-11-30.csv"
OVERVIEW="$FX/account_overview_analytics_2024-11-01_2024-11-03.csv"

# The bot's text-id shape keeps tweet ids in posted_decisions: adopted at migrate
# time (xetl.bot_decisions), so the table is there before it; rows come later.
newdb --empty
sql "CREATE TABLE posted_decisions (decision_id text UNIQUE, tweet_id text NOT NULL)" >/dev/null
"$XETL" -q migrate || { echo "Bail out! xetl migrate failed"; exit 1; }
xrun account add xetlbot --user-id 42
is "$RC" 0 "account added"

# ---- the legacy tweet activity export: BOM, CRLF, quotes, newlines, emoji, '-' ----
xrun import "$LEGACY"
is "$RC" 0 "legacy export imports with exit 0"
like "$(cat "$ERR")" "tweet activity export" "the log names the detected format"
like "$(cat "$ERR")" "as-of 2019-06-01T00:00:00Z from the date range in the file name" "the log says where the as-of came from"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE source = 'import'")" 5 "one snapshot per post"
is "$(sql "SELECT count(*) FROM xetl.posts WHERE origin = 'import'")" 5 "unknown posts registered with origin import"
is "$(sql "SELECT tweet_id FROM xetl.posts ORDER BY length(tweet_id) DESC, tweet_id DESC LIMIT 1")" 1123456789012345681 "19-digit ids kept exactly as text"
is "$(sql "SELECT count(*) FROM xetl.posts WHERE decision_id = xetl.derived_decision_id(tweet_id)")" 5 "derived decision ids, as pull derives them"
is "$(sql "SELECT impressions FROM performance_snapshots WHERE tweet_id = '1123456789012345678'")" 1234 "thousands separator in a quoted number"
is "$(sql "SELECT impressions FROM performance_snapshots WHERE tweet_id = '1123456789012345679'")" 12345678 "two thousands separators"
is "$(sql "SELECT text FROM xetl.posts WHERE tweet_id = '1123456789012345678'")" 'Hello, world — first "quoted" post 🚀' "quotes, comma, dash and emoji survive"
is "$(sql "SELECT text = E'multi-line\\r\\ntext: 日本語のツイート' FROM xetl.posts WHERE tweet_id = '1123456789012345679'")" t "embedded CRLF and Japanese text survive"
is "$(sql "SELECT text FROM xetl.posts WHERE tweet_id = '1123456789012345680'")" "مرحبا بالعالم #xetl" "Arabic text survives"
is "$(sql "SELECT to_char(posted_at, 'YYYY-MM-DD HH24:MI:SS') FROM xetl.posts WHERE tweet_id = '1123456789012345678'")" "2019-05-01 14:03:00" "'2019-05-01 14:03 +0000' timestamp"
is "$(sql "SELECT to_char(posted_at, 'YYYY-MM-DD HH24:MI:SS') FROM xetl.posts WHERE tweet_id = '1123456789012345679'")" "2019-05-02 08:30:00" "ISO 8601 timestamp"
is "$(sql "SELECT to_char(posted_at, 'YYYY-MM-DD HH24:MI:SS') FROM xetl.posts WHERE tweet_id = '1123456789012345680'")" "2019-05-03 09:15:30" "timestamp with seconds"
is "$(sql "SELECT to_char(snapshot_at, 'YYYY-MM-DD HH24:MI:SS') FROM performance_snapshots WHERE tweet_id = '1123456789012345678'")" "2019-06-01 00:00:00" "snapshot at the as-of"
near "$(sql "SELECT hours_since_post FROM performance_snapshots WHERE tweet_id = '1123456789012345678'")" 729.95 0.001 "hours_since_post = (as-of - posted_at) / 3600"
near "$(sql "SELECT engagement_rate FROM performance_snapshots WHERE tweet_id = '1123456789012345678'")" 0.0364667747163695 1e-12 "engagement rate = (likes + retweets + replies) / impressions, as pull defines it"
near "$(sql "SELECT snapshot_metadata->'columns'->>'engagement_rate' FROM performance_snapshots WHERE tweet_id = '1123456789012345678'")" 0.0453808752 1e-12 "the export's own engagement rate kept in metadata, unrounded"
near "$(sql "SELECT engagement_rate FROM performance_snapshots WHERE tweet_id = '1123456789012345679'")" 0.0000664200054464 1e-15 "a small rate keeps its digits"
near "$(sql "SELECT viral_coefficient FROM performance_snapshots WHERE tweet_id = '1123456789012345679'")" 0.0000081000 1e-12 "viral coefficient = retweets / impressions"
is "$(sql "SELECT coalesce(engagement_rate::text, 'NULL') FROM performance_snapshots WHERE tweet_id = '1123456789012345681'")" NULL "rates NULL when impressions are 0"
is "$(sql "SELECT coalesce(profile_clicks::text, 'NULL') || ' ' || coalesce(url_clicks::text, 'NULL') FROM performance_snapshots WHERE tweet_id = '1123456789012345680'")" "NULL NULL" "'-' is no value, not 0"
is "$(sql "SELECT coalesce(retweets::text, 'NULL') FROM performance_snapshots WHERE tweet_id = '99'")" NULL "an empty cell is no value"
is "$(sql "SELECT impressions_promoted FROM tweet_analytics_comprehensive WHERE tweet_id = '1123456789012345680'")" 2000 "promoted impressions into tweet_analytics_comprehensive"
is "$(sql "SELECT media_views || ' ' || media_engagements || ' ' || hashtag_clicks || ' ' || detail_expands || ' ' || url_clicks || ' ' || user_profile_clicks FROM tweet_analytics_comprehensive WHERE tweet_id = '1123456789012345679'")" "120 9 4 60 30 50" "the extra counters into tweet_analytics_comprehensive"
is "$(sql "SELECT likes || ' ' || retweets || ' ' || replies || ' ' || impressions FROM tweet_analytics_comprehensive WHERE tweet_id = '1123456789012345679'")" "700 100 20 12345678" "the latest counters into tweet_analytics_comprehensive"
is "$(sql "SELECT analytics_metadata->'import'->'columns'->>'permalink_clicks' FROM tweet_analytics_comprehensive WHERE tweet_id = '1123456789012345679'")" 5 "counters without a column kept in analytics_metadata"
is "$(sql "SELECT snapshot_metadata->'columns'->>'promoted engagements' FROM performance_snapshots WHERE tweet_id = '1123456789012345680'")" 40 "promoted columns kept in the snapshot's metadata"
is "$(sql "SELECT follows || ' ' || to_char(as_of, 'YYYY-MM-DD') || ' ' || source_file FROM xetl.platform_follows WHERE tweet_id = '1123456789012345679'")" "17 2019-06-01 tweet_activity_metrics_xetlbot_20190501_20190531_en.csv" "platform-reported follows"
is "$(sql "SELECT count(*) FROM xetl.platform_follows")" 4 "no platform_follows row where the export has no value"
is "$(sql "SELECT count(*) FROM xetl.import_rejects")" 0 "no rejects"

# ---- a second import changes nothing ----
before=$(sql "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (
    SELECT ps.*::text AS t FROM performance_snapshots ps UNION ALL SELECT p.*::text FROM xetl.posts p
    UNION ALL SELECT a.*::text FROM tweet_analytics_comprehensive a UNION ALL SELECT f.*::text FROM xetl.platform_follows f) x")
xrun import "$LEGACY"
is "$RC" 0 "second import exits 0"
after=$(sql "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (
    SELECT ps.*::text AS t FROM performance_snapshots ps UNION ALL SELECT p.*::text FROM xetl.posts p
    UNION ALL SELECT a.*::text FROM tweet_analytics_comprehensive a UNION ALL SELECT f.*::text FROM xetl.platform_follows f) x")
is "$after" "$before" "importing the same file twice changes nothing (updated_at included)"

# ---- stdin, with --as-of ----
xrun --as-of 2019-06-15T12:00:00Z import - < "$LEGACY"
is "$RC" 0 "stdin import exits 0"
like "$(cat "$ERR")" "from --as-of" "the log says the as-of came from --as-of"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE snapshot_at = '2019-06-15T12:00:00Z'")" 5 "a second set of snapshots at the new as-of"
is "$(sql "SELECT count(*) FROM xetl.posts")" 5 "no new posts"
is "$(sql "SELECT to_char(as_of, 'YYYY-MM-DD HH24:MI') || ' ' || source_file FROM xetl.platform_follows WHERE tweet_id = '1123456789012345679'")" "2019-06-15 12:00 -" "the later export's follows win"
# An older export does not overwrite newer counters.
xrun --as-of 2019-06-05T00:00:00Z import "$LEGACY"
is "$RC" 0 "older as-of import exits 0"
is "$(sql "SELECT to_char(last_scraped_at, 'YYYY-MM-DD HH24:MI') FROM tweet_analytics_comprehensive WHERE tweet_id = '1123456789012345679'")" "2019-06-15 12:00" "last_scraped_at stays at the newest as-of"
is "$(sql "SELECT to_char(as_of, 'YYYY-MM-DD HH24:MI') FROM xetl.platform_follows WHERE tweet_id = '1123456789012345679'")" "2019-06-15 12:00" "older follows do not replace newer ones"
xrun --as-of 2019-05-02T00:00:00Z import "$LEGACY"
is "$RC" 65 "rows posted after --as-of are rejected"
like "$(cat "$ERR")" "line 3: posted at 2019-05-02T08:30:00Z, after the as-of 2019-05-02T00:00:00Z" "the reason names both times"

# ---- the content export: percentages, 'Sat, Nov 23, 2024', unknown column, space separators ----
# A post the bot recorded (content_metadata.tweet_id) and one pull found on the timeline.
acct=$(sql "SELECT account_id FROM xetl.accounts WHERE handle = 'xetlbot'")
sql "INSERT INTO content_metadata (decision_id, content, status, tweet_id)
     VALUES ('11111111-2222-3333-4444-555555555555', 'bot post', 'posted', '1859000000000000002')" >/dev/null
sql "INSERT INTO xetl.posts (tweet_id, account_id, decision_id, origin, first_seen_at)
     VALUES ('1859000000000000003', $acct, 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', 'timeline', '2024-11-29T20:00:00Z')" >/dev/null
xrun import "$CONTENT"
is "$RC" 0 "content export imports with exit 0"
is "$(sql "SELECT decision_id || ' ' || origin FROM xetl.posts WHERE tweet_id = '1859000000000000002'")" "11111111-2222-3333-4444-555555555555 bot" "a post the bot recorded gets its decision id"
is "$(sql "SELECT decision_id FROM performance_snapshots WHERE tweet_id = '1859000000000000002'")" "11111111-2222-3333-4444-555555555555" "its snapshot carries the bot's decision id"
is "$(sql "SELECT decision_id || ' ' || origin || ' ' || text FROM xetl.posts WHERE tweet_id = '1859000000000000003'")" "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee timeline plain" "a known post keeps its id and origin; the missing text is filled"
is "$(sql "SELECT decision_id FROM tweet_analytics_comprehensive WHERE tweet_id = '1859000000000000003'")" "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" "analytics row under the known decision id"
like "$(cat "$ERR")" "content export" "content format detected"
near "$(sql "SELECT snapshot_metadata->'columns'->>'engagement_rate' FROM performance_snapshots WHERE tweet_id = '1859000000000000001'")" 0.032 1e-12 "3.2% is 0.032"
near "$(sql "SELECT snapshot_metadata->'columns'->>'engagement_rate' FROM performance_snapshots WHERE tweet_id = '1859000000000000003'")" 0.02 1e-12 "0.02 stays 0.02"
near "$(sql "SELECT engagement_rate FROM performance_snapshots WHERE tweet_id = '1859000000000000001'")" 0.0304 1e-12 "(likes + reposts + replies) / impressions"
is "$(sql "SELECT impressions FROM performance_snapshots WHERE tweet_id = '1859000000000000003'")" 1500 "space as a thousands separator"
is "$(sql "SELECT to_char(posted_at, 'YYYY-MM-DD HH24:MI') FROM xetl.posts WHERE tweet_id = '1859000000000000002'")" "2024-11-23 00:00" "'Sat, Nov 23, 2024' date"
is "$(sql "SELECT snapshot_metadata->'columns'->>'Sentiment' FROM performance_snapshots WHERE tweet_id = '1859000000000000001'")" positive "an unknown column kept in metadata by name"
is "$(sql "SELECT retweets || ' ' || bookmarks || ' ' || profile_clicks FROM performance_snapshots WHERE tweet_id = '1859000000000000001'")" "40 25 22" "reposts, bookmarks, profile visits mapped"
is "$(sql "SELECT follows FROM xetl.platform_follows WHERE tweet_id = '1859000000000000001'")" 12 "New follows into platform_follows"
is "$(sql "SELECT to_char(snapshot_at, 'YYYY-MM-DD') FROM performance_snapshots WHERE tweet_id = '1859000000000000001'")" 2024-12-01 "as-of from the ISO date range in the file name"

# ---- the account overview export ----
xrun import "$OVERVIEW"
is "$RC" 0 "overview export imports with exit 0"
like "$(cat "$ERR")" "account overview export" "overview format detected"
is "$(sql "SELECT string_agg(day || ':' || new_follows || '/' || unfollows, ' ' ORDER BY day) FROM xetl.daily_follows")" "2024-11-01:5/1 2024-11-02:3/2 2024-11-03:0/0" "daily follows and unfollows"
is "$(sql "SELECT (metrics->>'impressions') || ' ' || (metrics->>'user_profile_clicks') || ' ' || (metrics->>'video_views') FROM xetl.daily_follows WHERE day = '2024-11-01'")" "1200 10 0" "the rest of the day's row kept in metrics"
xrun import "$OVERVIEW"
is "$RC" 0 "overview imported twice exits 0"
is "$(sql "SELECT count(*) FROM xetl.daily_follows")" 3 "no duplicate days"

# ---- bad rows ----
xrun import "$FX/bad_rows.csv"
is "$RC" 65 "a file with bad rows exits 65"
is "$(sql "SELECT string_agg(tweet_id, ' ' ORDER BY tweet_id) FROM performance_snapshots WHERE tweet_id LIKE '12000%'")" "1200000000000000001 1200000000000000006" "the good rows loaded"
is "$(sql "SELECT likes FROM performance_snapshots WHERE tweet_id = '1200000000000000006'")" 7 "of a repeated id the last row wins"
is "$(sql "SELECT string_agg(line::text, ' ' ORDER BY line) FROM xetl.import_rejects WHERE file_name = 'bad_rows.csv'")" "3 4 5 6 7 9" "every bad row is in the rejects table with its line"
is "$(sql "SELECT reason FROM xetl.import_rejects WHERE file_name = 'bad_rows.csv' AND line = 3")" "wrong number of fields: 10, the header has 22" "wrong column count"
is "$(sql "SELECT reason FROM xetl.import_rejects WHERE file_name = 'bad_rows.csv' AND line = 4")" "not a number in column 'likes': 'lots'" "text in a number column"
is "$(sql "SELECT reason FROM xetl.import_rejects WHERE file_name = 'bad_rows.csv' AND line = 5")" "impossible date or time in column 'time': '2019-02-30 10:00 +0000'" "impossible date"
is "$(sql "SELECT reason FROM xetl.import_rejects WHERE file_name = 'bad_rows.csv' AND line = 6")" "negative count in column 'retweets': '-3'" "negative count"
is "$(sql "SELECT reason FROM xetl.import_rejects WHERE file_name = 'bad_rows.csv' AND line = 7")" "duplicate post id 1200000000000000006: the row at line 8 is loaded instead" "duplicate id"
like "$(sql "SELECT reason FROM xetl.import_rejects WHERE file_name = 'bad_rows.csv' AND line = 9")" "^truncated last line \(2 of 22 fields\)" "truncated last line"
like "$(sql "SELECT raw FROM xetl.import_rejects WHERE file_name = 'bad_rows.csv' AND line = 4")" '^1200000000000000003,.*,lots,' "the raw text is kept"
is "$(sql "SELECT count(DISTINCT file_sha256) FROM xetl.import_rejects WHERE file_sha256 = '$(sha256sum "$FX/bad_rows.csv" | cut -c1-64)'")" 1 "rejects keyed by the file's SHA-256"
like "$(cat "$ERR")" "'bad_rows.csv' line 4: not a number in column 'likes'" "rejects summarised on stderr"
like "$(tail -1 "$ERR")" "^xetl: error: 'bad_rows.csv': 6 of 8 rows rejected" "one closing line with the count"
xrun import "$FX/bad_rows.csv"
is "$RC" 65 "the same bad file again still exits 65"
is "$(sql "SELECT count(*) FROM xetl.import_rejects WHERE file_name = 'bad_rows.csv'")" 6 "no duplicate rejects"

xrun import "$FX/bad_truncated_quote.csv"
is "$RC" 65 "a file cut inside a quoted field exits 65"
is "$(sql "SELECT reason FROM xetl.import_rejects WHERE file_name = 'bad_truncated_quote.csv'")" "truncated last line (the file ends inside a quoted field)" "an open quote at the end is a truncated line"
is "$(sql "SELECT count(*) FROM performance_snapshots WHERE tweet_id = '1200000000000000008'")" 1 "the row before it loaded"

# ---- invalid UTF-8: rejected, raw kept readable ----
printf 'Tweet id,Tweet text,time,impressions\n1300000000000000001,ok,2019-06-01 10:00 +0000,5\n1300000000000000002,bad \377 byte,2019-06-01 10:00 +0000,5\n' > "$TMP/latin1.csv"
sql "INSERT INTO posted_decisions VALUES ('22222222-3333-4444-5555-666666666666', '1300000000000000001')" >/dev/null
xrun import "$TMP/latin1.csv"
is "$RC" 65 "a row with invalid UTF-8 exits 65"
is "$(sql "SELECT decision_id || ' ' || origin FROM xetl.posts WHERE tweet_id = '1300000000000000001'")" "22222222-3333-4444-5555-666666666666 bot" "decision id from posted_decisions (text-id shape)"
is "$(sql "SELECT line || ': ' || reason || ' | ' || raw FROM xetl.import_rejects WHERE file_name = 'latin1.csv'")" "3: column 'Tweet text' is not valid UTF-8 text | 1300000000000000002,bad ? byte,2019-06-01 10:00 +0000,5" "reason names the column, raw shows the bad byte as '?'"
is "$(sql "SELECT count(*) FROM xetl.posts WHERE tweet_id = '1300000000000000001'")" 1 "the good row of that file loaded"

# ---- several files: a missing one does not stop the others ----
xrun import "$TMP/missing.csv" "$FX/bad_truncated_quote.csv" "$OVERVIEW"
is "$RC" 66 "a missing file among others exits 66"
like "$(cat "$ERR")" "account overview export, 3 rows read, 3 loaded" "the files after it were imported"

# ---- not an export, missing file, accounts ----
xrun import "$FX/not_an_export.csv"
is "$RC" 65 "a file that is no known export exits 65"
is "$(cat "$ERR")" "xetl: error: 'not_an_export.csv' is not a known X analytics export (header: 'name,age')" "with one message"
xrun import "$TMP/nope.csv"
is "$RC" 66 "a missing file exits 66"
is "$(cat "$ERR")" "xetl: error: cannot open '$TMP/nope.csv': No such file or directory" "one line naming the file"
xrun import
is "$RC" 64 "no file is a usage error"
xrun account add other --user-id 43
xrun import "$LEGACY"
is "$RC" 64 "two active accounts and no --account: usage error"
xrun --account other import "$LEGACY"
is "$RC" 65 "posts of another account are rejected"
like "$(cat "$ERR")" "post belongs to another account 'xetlbot'" "naming the owner"
xrun --account xetlbot import "$LEGACY"
is "$RC" 0 "--account picks the account"

# An export whose every permalink names another handle is refused whole: most likely the wrong
# account; --any-handle loads it (an account renamed since the export).
newdb
xrun account add mybot --user-id 77
xrun import "$LEGACY"
is "$RC" 65 "an export whose every permalink names another handle exits 65"
like "$(cat "$ERR")" "every permalink names @xetlbot, not @mybot: nothing loaded \(another account's export\? import it with --account xetlbot; if @mybot is @xetlbot renamed, --any-handle loads it\)" \
   "naming both handles and what to do"
is "$(sql "SELECT count(*) FROM xetl.posts") $(sql "SELECT count(*) FROM xetl.import_rejects")" "0 0" "nothing was loaded or rejected"
awk 'NR > 1 && NR % 2 { sub(/\/xetlbot\//, "/someone_else/") } { print }' "$LEGACY" > "$TMP/two_handles.csv"
xrun import "$TMP/two_handles.csv"
is "$RC" 65 "an export whose permalinks name two other handles is refused too"
like "$(cat "$ERR")" "every permalink names another handle than @mybot \(2 handles, @[a-z_]+ most often\): nothing loaded" \
   "saying how many handles"
xrun import --any-handle "$LEGACY"
is "$RC" 0 "--any-handle loads it"
ok "every row" test "$(sql "SELECT count(*) FROM xetl.posts")" -gt 0

done_testing
