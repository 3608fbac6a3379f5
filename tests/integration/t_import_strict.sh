#!/bin/sh
# t_import_strict.sh — xetl import refuses what it cannot read exactly: stray and
# unbalanced quotes, NUL bytes, a header that is not UTF-8, a record over 4 MiB.
# Each bad line is one reject with its line and reason, the rows around it load
# with their own values, and rows read = loaded + rejected.
. "$XETL_ROOT/tests/lib/testlib.sh"
H='Tweet id,Tweet text,time,impressions,likes'
T='2019-06-01 10:00 +0000'

newdb
xrun account add xetlbot --user-id 42
is "$RC" 0 "account added"

# "N rows read, L loaded ... R rejected" from the import's info line, checked to add up.
counts() {
    sed -n "s/.*'$1': tweet activity export, \([0-9]*\) rows read, \([0-9]*\) loaded .*, \([0-9]*\) rejected;.*/\1 \2 \3/p" "$ERR"
}
adds_up() {
    _desc=$2
    set -- $(counts "$1")
    is "$(( ${2:-0} + ${3:-0} ))" "${1:-none}" "$_desc: rows read = loaded + rejected"
}
likes() { sql "SELECT coalesce(string_agg(tweet_id || '=' || likes, ' ' ORDER BY tweet_id), 'none') FROM performance_snapshots WHERE tweet_id ~ '^$1'"; }
reasons() { sql "SELECT string_agg(line || ': ' || reason, ' | ' ORDER BY line) FROM xetl.import_rejects WHERE file_name = '$1'"; }

# ---- a stray quote pair: used to swallow the next lines into one record ----
printf '%s\n1400000000000000001,"a "quoted" word,%s,100,5\n1400000000000000002,plain,%s,100,6\n1400000000000000003,"fine",%s,100,7\n' \
    "$H" "$T" "$T" "$T" > "$TMP/stray.csv"
xrun import "$TMP/stray.csv"
is "$RC" 65 "a stray quote exits 65"
is "$(counts stray.csv)" "3 2 1" "3 rows read, 2 loaded, 1 rejected"
adds_up stray.csv "stray quote"
is "$(likes 14000000000000000)" "1400000000000000002=6 1400000000000000003=7" "the rows after it load with their own values"
is "$(reasons stray.csv)" "2: unbalanced quote: text after the closing quote of field 2 (column 'Tweet text')" "the bad line is rejected with line and reason"
is "$(sql "SELECT raw FROM xetl.import_rejects WHERE file_name = 'stray.csv'")" '1400000000000000001,"a "quoted" word,2019-06-01 10:00 +0000,100,5' "its raw text is that line only"

# ---- a quote inside an unquoted field ----
printf '%s\n1400000000000000021,ab"c,%s,100,5\n1400000000000000022,plain,%s,100,6\n' "$H" "$T" "$T" > "$TMP/inner.csv"
xrun import "$TMP/inner.csv"
is "$RC" 65 "a quote inside an unquoted field exits 65"
is "$(reasons inner.csv)" "2: quote inside unquoted field 2 (column 'Tweet text')" "rejected, naming the column"
is "$(likes "14000000000000000[2]")" "1400000000000000022=6" "the next row loads"

# ---- two stray quotes that pair up into a well-formed quoted field ----
printf '%s\n1400000000000000011,"starts a quote,%s,100,5\n1400000000000000012,plain,%s,100,6\n1400000000000000013,ends it",%s,100,7\n1400000000000000014,after,%s,100,8\n' \
    "$H" "$T" "$T" "$T" "$T" > "$TMP/paired.csv"
xrun import "$TMP/paired.csv"
is "$RC" 65 "paired stray quotes exit 65"
is "$(likes "14000000000000000[1]")" "1400000000000000012=6 1400000000000000014=8" "no row gets another line's metrics; the lines between load"
is "$(reasons paired.csv)" "2: unbalanced quote: line 3, inside this record's quoted field, is a row of its own | 4: quote inside unquoted field 2 (column 'Tweet text')" "both quote lines rejected"
adds_up paired.csv "paired quotes"

# ---- an opening quote never closed ----
printf '%s\n1400000000000000031,"never closed,%s,100,5\n1400000000000000032,plain,%s,100,6\n1400000000000000033,x,%s,100,7\n' \
    "$H" "$T" "$T" "$T" > "$TMP/open.csv"
xrun import "$TMP/open.csv"
is "$RC" 65 "an unterminated quote exits 65"
is "$(likes "14000000000000000[3]")" "1400000000000000032=6 1400000000000000033=7" "the rest of the file loads"
is "$(reasons open.csv)" "2: unbalanced quote: never closed in field 2 (column 'Tweet text')" "one reject"
adds_up open.csv "unterminated quote"

# ---- NUL bytes: used to load as tweet 13 and as 5 likes ----
printf '%s\n13\0000000000000002,t,%s,100,1\n1400000000000000041,t,%s,100,5\0009\n1400000000000000042,t,%s,100,3\n' "$H" "$T" "$T" "$T" > "$TMP/nul.csv"
xrun import "$TMP/nul.csv"
is "$RC" 65 "NUL bytes exit 65"
is "$(sql "SELECT count(*) FROM xetl.posts WHERE tweet_id IN ('13', '1400000000000000041')")" 0 "no truncated id or count loaded"
is "$(likes "14000000000000000[4]")" "1400000000000000042=3" "the clean row loads"
is "$(reasons nul.csv)" "2: NUL byte in field 1 (column 'Tweet id') | 3: NUL byte in field 5 (column 'likes')" "each NUL rejected naming the column"
is "$(sql "SELECT raw FROM xetl.import_rejects WHERE file_name = 'nul.csv' AND line = 2")" "13?0000000000002,t,$T,100,1" "the NUL shown as '?' in the raw text"
adds_up nul.csv "NUL bytes"

# ---- a header name that is not UTF-8: 65 with a reject, not 70 ----
printf 'Tweet id,Tweet text,time,impr\377essions,likes\n1400000000000000051,t,%s,100,1\n' "$T" > "$TMP/badhead.csv"
xrun import "$TMP/badhead.csv"
is "$RC" 65 "a header that is not UTF-8 exits 65"
is "$(tail -1 "$ERR")" "xetl: error: 'badhead.csv' line 1: the header cannot be read (column 4's name is not valid UTF-8 text): nothing loaded (see xetl.import_rejects)" "one closing line naming the column"
is "$(reasons badhead.csv)" "1: header: column 4's name is not valid UTF-8 text; nothing in the file is loaded" "the header is the reject"
is "$(sql "SELECT raw FROM xetl.import_rejects WHERE file_name = 'badhead.csv'")" "Tweet id,Tweet text,time,impr?essions,likes" "raw header kept readable"
is "$(sql "SELECT file_sha256 FROM xetl.import_rejects WHERE file_name = 'badhead.csv'")" "$(sha256sum "$TMP/badhead.csv" | cut -c1-64)" "keyed by the whole file's SHA-256"
is "$(likes "14000000000000000[5]")" none "nothing loaded"

# ---- an open quote followed by more than 4 MiB of rows: one reject, every row loads ----
X=$(printf '%0500d' 0 | tr 0 x)
awk -v h="$H" -v t="$T" -v x="$X" 'BEGIN {
    print h; printf "1500000000000000000,\"opens,%s,100,1\n", t
    for (i = 1; i <= 9000; i++) printf "15000000000000%05d,%s,%s,100,%d\n", i, x, t, i % 97
}' > "$TMP/long.csv"
xrun import "$TMP/long.csv"
is "$RC" 65 "an over-long record exits 65"
is "$(counts long.csv)" "9001 9000 1" "9001 rows read, 9000 loaded, 1 rejected"
is "$(reasons long.csv)" "2: record longer than 4194304 bytes (unbalanced quote?)" "the line with the open quote is the reject"
is "$(sql "SELECT count(*) || ' ' || sum(likes) FROM performance_snapshots WHERE tweet_id LIKE '15%' AND likes = right(tweet_id, 5)::int % 97")" \
   "9000 $(awk 'BEGIN { for (i = 1; i <= 9000; i++) s += i % 97; print s }')" "every row after it loaded with its own likes"

done_testing
