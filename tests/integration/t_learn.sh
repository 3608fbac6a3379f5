#!/bin/sh
# xetl learn: aggregates and Gamma-Poisson posteriors recomputed by hand from
# a small account, discounting and confidence weighting, idempotence for the
# same --as-of, and the next cycle's before/after (docs/learning.md).
. "$XETL_ROOT/tests/lib/testlib.sh"

newdb
ASOF=2026-11-25T00:00:00Z
ok "account added" "$XETL" -q account add acme --user-id 42
AID=$(sql "SELECT account_id FROM xetl.accounts WHERE handle = 'acme'")

# Twelve matured posts (10..13 days old, i.e. 3..6 days past the 7-day
# maturity), three content types, two formulas, hooks on some; one recent post
# (2 days: not matured) and one post of a type seen only recently.
#   tips   (contrarian, hook question): followers 4,6,5,5 confidence 1,1,1,0.5
#   story  (listicle, hook stat):       followers 0,0,1,0 confidence 1
#   thread (contrarian, no hook):       followers 2,3,0,3 confidence 1
sql "
CREATE TABLE src (tweet_id text, days int, ctype text, formula text, hook text, fol int, conf numeric);
INSERT INTO src VALUES
 ('101',10,'tips','contrarian','question',4,1), ('102',11,'tips','contrarian','question',6,1),
 ('103',12,'tips','contrarian','question',5,1), ('104',13,'tips','contrarian','question',5,0.5),
 ('201',10,'story','listicle','stat',0,1), ('202',11,'story','listicle','stat',0,1),
 ('203',12,'story','listicle','stat',1,1), ('204',13,'story','listicle','stat',0,1),
 ('301',10,'thread','contrarian',NULL,2,1), ('302',11,'thread','contrarian',NULL,3,1),
 ('303',12,'thread','contrarian',NULL,0,1), ('304',13,'thread','contrarian',NULL,3,1),
 ('105',2,'tips','contrarian','question',50,1), ('401',1,'poll','listicle','question',NULL,NULL);
INSERT INTO xetl.posts (tweet_id, account_id, decision_id, posted_at, content_type_id, content_type_name,
                        viral_formula, hook_used, origin, first_seen_at)
SELECT tweet_id, $AID, xetl.derived_decision_id(tweet_id), timestamptz '$ASOF' - days * interval '1 day',
       ctype, initcap(ctype), formula, hook, 'bot', timestamptz '$ASOF' - days * interval '1 day' FROM src;
INSERT INTO follower_attributions (account_id, decision_id, tweet_id, followers_before, followers_after,
       followers_gained, confidence_score, attribution_method, time_window_hours)
SELECT $AID, xetl.derived_decision_id(tweet_id), tweet_id, 100, 100 + fol, fol, conf, 'exposure_regression', 168
  FROM src WHERE fol IS NOT NULL;
INSERT INTO tweet_analytics_comprehensive (account_id, decision_id, tweet_id, likes, retweets, replies, impressions,
       engagement_rate, posted_at)
SELECT $AID, xetl.derived_decision_id(tweet_id), tweet_id, 10, 2, 1, 1000, 0.013,
       timestamptz '$ASOF' - days * interval '1 day' FROM src;
" || echo "Bail out! fixture failed"

xrun --as-of "$ASOF" learn
is "$RC" 0 "learn exits 0"
is "$(cat "$ERR" | grep -c error)" 0 "no error on stderr"

# Aggregates, by hand.
is "$(sql "SELECT content_type_id || ':' || content_type_name || ':' || posts_count FROM content_type_performance WHERE account_id = $AID ORDER BY 1")" \
"poll:Poll:0
story:Story:4
thread:Thread:4
tips:Tips:4" "one row per content type; only matured posts counted"
is "$(sql "SELECT total_followers_gained || ' ' || avg_followers_per_post || ' ' || success_rate::numeric(5,4) || ' ' || follower_conversion_rate::numeric(8,6) FROM content_type_performance WHERE content_type_id = 'tips'")" \
   "20 5.00 1.0000 0.005000" "tips: total, per post, success rate (>= 1 follower), followers per impression"
is "$(sql "SELECT total_followers_gained || ' ' || success_rate::numeric(5,4) FROM content_type_performance WHERE content_type_id = 'story'")" \
   "1 0.2500" "story: total and success rate"
is "$(sql "SELECT avg_likes || ' ' || avg_retweets || ' ' || avg_impressions::numeric(10,1) || ' ' || avg_engagement_rate::numeric(6,4) || ' ' || viral_coefficient::numeric(6,4) FROM content_type_performance WHERE content_type_id = 'thread'")" \
   "10.00 2.00 1000.0 0.0130 0.0020" "averages from the analytics counters"
is "$(sql "SELECT posts_count || ' ' || coalesce(avg_likes::text, 'null') || ' ' || coalesce(success_rate::text, 'null') || ' ' || to_char(last_used AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM content_type_performance WHERE content_type_id = 'poll'")" \
   "0 null null 2026-11-24" "an arm with no matured post: no invented averages, last used"
is "$(sql "SELECT formula_name || ':' || posts_count || ':' || total_followers_gained FROM formula_performance WHERE account_id = $AID ORDER BY 1")" \
"contrarian:8:28
listicle:4:1" "formulas aggregated"
is "$(sql "SELECT hook_used || ':' || posts_count FROM hook_performance WHERE account_id = $AID ORDER BY 1")" \
"question:4
stat:4" "hooks aggregated, posts without a hook skipped"
is "$(sql "SELECT to_char(last_used AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM formula_performance WHERE formula_name = 'contrarian'")" \
   "2026-11-23" "last_used is the arm's newest post, matured or not"

# The posterior, by hand: weight = confidence * 2^(-(age - 7 d)/14 d); the
# empirical-Bayes prior from the pooled weighted mean m and variance v:
# beta0 = min(m/(v-m), 2), alpha0 = m*beta0; alpha = alpha0 + sum w*y, beta = beta0 + sum w.
EXPECT=$(sql "SELECT ctype, days, fol, conf FROM src WHERE fol IS NOT NULL AND days >= 7" -F ' ' | awk '
  { w = $4 * 2^(-($2 - 7) / 14); W += w; WY += w * $3; WYY += w * $3 * $3
    sw[$1] += w; swy[$1] += w * $3 }
  END { m = WY / W; v = WYY / W - m * m; b0 = m / (v - m); if (b0 > 2) b0 = 2; a0 = m * b0;
        if (a0 < 0.5) a0 = 0.5
        printf "%.6f %.6f\n", a0, b0
        printf "tips %.6f %.6f %.6f\n", a0 + swy["tips"], b0 + sw["tips"], sw["tips"]
        printf "story %.6f %.6f %.6f\n", a0 + swy["story"], b0 + sw["story"], sw["story"]
        printf "poll %.6f %.6f %.6f\n", a0, b0, 0 }')
PRIOR=$(echo "$EXPECT" | head -1)
is "$(sql "SELECT DISTINCT prior_alpha::numeric(12,6) || ' ' || prior_beta::numeric(12,6) FROM content_type_performance WHERE account_id = $AID")" \
   "$PRIOR" "empirical-Bayes prior, capped, the same for every arm"
for arm in tips story poll; do
    is "$(sql "SELECT content_type_id || ' ' || thompson_alpha::numeric(12,6) || ' ' || thompson_beta::numeric(12,6) || ' ' || evidence_weight::numeric(12,6) FROM content_type_performance WHERE content_type_id = '$arm'")" \
       "$(echo "$EXPECT" | grep "^$arm ")" "$arm: posterior alpha/beta and evidence weight"
done
near "$(sql "SELECT posterior_mean - thompson_alpha / thompson_beta FROM content_type_performance WHERE content_type_id = 'tips'")" 0 1e-9 \
     "posterior_mean = alpha / beta"
is "$(sql "SELECT count(*) FROM content_type_performance WHERE posterior_lo < posterior_mean AND posterior_mean < posterior_hi")" 4 \
   "the 90 % interval brackets the mean"
is "$(sql "SELECT content_type_id FROM content_type_performance WHERE account_id = $AID ORDER BY selection_score DESC LIMIT 1")" \
   "tips" "the best arm has the top selection score"
near "$(sql "SELECT sum(selection_score) FROM content_type_performance WHERE account_id = $AID")" 1 1e-9 \
     "selection scores are probabilities summing to 1"
ok "tips is best with probability > 0.7" test "$(sql "SELECT selection_score > 0.7 FROM content_type_performance WHERE content_type_id = 'tips'")" = t

# learning_updates: one row per component, with before/after and an improvement score.
is "$(sql "SELECT component || ':' || update_type FROM learning_updates WHERE account_id = $AID ORDER BY 1")" \
"content_types:content_type_update
formulas:formula_update
hooks:hook_update" "one learning_updates row per component"
is "$(sql "SELECT insights_summary->'best'->>'arm' || ' ' || (insights_summary->'best'->>'posts') || ' ' || (insights_summary->'worst'->>'arm') FROM learning_updates WHERE component = 'content_types'")" \
   "tips 4 story" "insights: best and worst arms with evidence"
is "$(sql "SELECT count(*) FROM learning_updates, jsonb_array_elements(updates_applied->'arms') a WHERE component = 'content_types' AND a->'score_before' = 'null'::jsonb AND (a->>'score_after')::numeric > 0")" \
   4 "first cycle: no previous scores, every arm scored"
is "$(sql "SELECT performance_before->>'policy' FROM learning_updates WHERE component = 'content_types'")" "uniform" "first cycle compares against the uniform policy"
# improvement_score = sum_a (P_after(a) - P_before(a)) * posterior_mean(a), uniform before.
near "$(sql "SELECT l.improvement_score - (SELECT sum((c.selection_score - 0.25) * c.posterior_mean) FROM content_type_performance c WHERE c.account_id = $AID) FROM learning_updates l WHERE l.component = 'content_types'")" \
     0 1e-9 "improvement_score as defined in docs/learning.md"

# The same as-of again changes nothing.
snap() {
    sql "SELECT content_type_id, content_type_name, posts_count, thompson_alpha, thompson_beta, selection_score, evidence_weight, last_updated FROM content_type_performance ORDER BY 1"
    sql "SELECT formula_name, selection_score, thompson_alpha FROM formula_performance ORDER BY 1"
    sql "SELECT hook_used, selection_score, thompson_alpha FROM hook_performance ORDER BY 1"
    sql "SELECT component, updates_applied, insights_summary, performance_before, performance_after, improvement_score FROM learning_updates ORDER BY 1"
}
snap >"$TMP/a"
xrun --as-of "$ASOF" learn
is "$RC" 0 "second learn exits 0"
snap >"$TMP/b"
ok "a rerun with the same --as-of changes nothing (scores are seeded)" cmp "$TMP/a" "$TMP/b"
is "$(sql "SELECT count(*) FROM learning_updates")" 3 "no learning_updates row added by the rerun"

# The next day: evidence decays by 2^(-1/14); the previous scores become 'before'.
W1=$(sql "SELECT evidence_weight FROM content_type_performance WHERE content_type_id = 'story'")
xrun --as-of 2026-11-26T00:00:00Z learn
is "$RC" 0 "next cycle exits 0"
near "$(sql "SELECT (SELECT evidence_weight FROM content_type_performance WHERE content_type_id = 'story') / $W1")" \
     "$(awk 'BEGIN { printf "%.9f", 2^(-1/14) }')" 1e-9 "a day later the evidence weighs 2^(-1/14) as much"
is "$(sql "SELECT count(*) FROM learning_updates")" 6 "one more row per component"
is "$(sql "SELECT performance_before->>'policy' || ' ' || (performance_before->>'previous_as_of') FROM learning_updates WHERE component = 'content_types' AND as_of = '2026-11-26Z'")" \
   "previous 2026-11-25T00:00:00Z" "the next cycle compares against the previous cycle"
is "$(sql "SELECT count(*) FROM learning_updates n, jsonb_array_elements(n.updates_applied->'arms') a, learning_updates p, jsonb_array_elements(p.updates_applied->'arms') b WHERE n.as_of = '2026-11-26Z' AND p.as_of = '2026-11-25Z' AND n.component = 'content_types' AND p.component = n.component AND a->>'arm' = b->>'arm' AND (a->>'score_before')::numeric = (b->>'score_after')::numeric")" \
   4 "each arm's score before is the previous cycle's score after"

# An arm that no longer appears is removed; a bad setting is a config error.
sql "UPDATE xetl.posts SET hook_used = 'bold' WHERE hook_used = 'stat'"
xrun --as-of "$ASOF" learn
is "$(sql "SELECT string_agg(hook_used, ',' ORDER BY hook_used) FROM hook_performance WHERE account_id = $AID")" "bold,question" \
   "arms no longer seen are removed"
# An account with no posts yet: three learning_updates rows, no arm, no score.
ok "second account added" "$XETL" -q account add empty --user-id 43
xrun --account empty --as-of "$ASOF" learn
is "$RC" 0 "learn on an account with no posts exits 0"
is "$(sql "SELECT count(*) || ' ' || count(improvement_score) || ' ' || min(insights_summary->>'arms') FROM learning_updates l JOIN xetl.accounts a USING (account_id) WHERE a.handle = 'empty'")" \
   "3 0 0" "no arm: learning_updates rows with no improvement score"
XETL_LEARN_DRAWS=100 xrun --as-of "$ASOF" learn
is "$RC" 78 "fewer than 10000 draws is a configuration error"

done_testing
