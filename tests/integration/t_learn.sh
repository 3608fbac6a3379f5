#!/bin/sh
# xetl learn: aggregates and normal-inverse-gamma posteriors recomputed by
# hand from a small account, discounting (never confidence weighting),
# exploratory arms, inputs bounded by the as-of, idempotence for the same
# --as-of, and the next cycle's before/after (docs/learning.md).
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
       followers_gained, confidence_score, attribution_method, time_window_hours, measured_at)
SELECT $AID, xetl.derived_decision_id(tweet_id), tweet_id, 100, 100 + fol, fol, conf, 'exposure_regression', 168,
       timestamptz '$ASOF' - interval '1 hour'
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

# The posterior, by hand (docs/learning.md): y = log1p(follows), weight =
# 2^(-(age - 7 d)/14 d) (confidence plays no part); pooled mean m0, within
# variance s0sq (floor 0.05), between-arm tau2, kappa0 = clamp(s0sq/tau2, 2, 50),
# nu0 = 2; per arm alpha = (nu0 + n)/2, beta = (nu0 s0sq + S + kappa0 n (ybar - m0)^2/(kappa0 + n))/2.
EXPECT=$(sql "SELECT ctype, days, fol FROM src WHERE fol IS NOT NULL AND days >= 7" -F ' ' | awk '
  { w = 2^(-($2 - 7) / 14); y = log(1 + $3); n[$1] += w; sy[$1] += w * y; syy[$1] += w * y * y }
  END { N = 0; SY = 0; WI = 0; A = 0; INV = 0
        for (a in n) { N += n[a]; SY += sy[a]; S[a] = syy[a] - sy[a] * sy[a] / n[a]; WI += S[a]; A++; INV += 1 / n[a] }
        m0 = SY / N; s0 = WI / (N - A); if (s0 < 0.05) s0 = 0.05
        B = 0; for (a in n) B += (sy[a] / n[a] - m0)^2
        tau = B / (A - 1) - s0 * INV / A; k0 = tau > 0 ? s0 / tau : 50; if (k0 < 2) k0 = 2; if (k0 > 50) k0 = 50
        printf "%.6f %.6f\n", 1, s0
        split("tips story", L, " ")
        for (i = 1; i <= 2; i++) { a = L[i]; yb = sy[a] / n[a]; kn = k0 + n[a]
          printf "%s %.6f %.6f %.6f %.4f\n", a, (2 + n[a]) / 2, (2 * s0 + S[a] + k0 * n[a] * (yb - m0)^2 / kn) / 2, n[a],
                 exp((k0 * m0 + n[a] * yb) / kn) - 1 }
        printf "poll %.6f %.6f %.6f\n", 1, s0, 0 }')
PRIOR=$(echo "$EXPECT" | head -1)
is "$(sql "SELECT DISTINCT prior_alpha::numeric(12,6) || ' ' || prior_beta::numeric(12,6) FROM content_type_performance WHERE account_id = $AID")" \
   "$PRIOR" "empirical-Bayes prior (nu0/2, nu0 s0^2/2), the same for every arm"
for arm in tips story poll; do
    is "$(sql "SELECT content_type_id || ' ' || thompson_alpha::numeric(12,6) || ' ' || thompson_beta::numeric(12,6) || ' ' || evidence_weight::numeric(12,6) FROM content_type_performance WHERE content_type_id = '$arm'")" \
       "$(echo "$EXPECT" | grep "^$arm " | cut -d' ' -f1-4)" "$arm: posterior alpha/beta and evidence weight"
done
near "$(sql "SELECT posterior_mean FROM content_type_performance WHERE content_type_id = 'tips'")" \
     "$(echo "$EXPECT" | grep "^tips " | cut -d' ' -f5)" 0.1 "posterior_mean = expm1(posterior mean of mu)"
is "$(sql "SELECT count(*) FROM content_type_performance WHERE posterior_lo < posterior_mean AND posterior_mean < posterior_hi")" 4 \
   "the 90 % interval brackets the mean"
is "$(sql "SELECT content_type_id FROM content_type_performance WHERE account_id = $AID ORDER BY selection_score DESC LIMIT 1")" \
   "tips" "the best arm has the top selection score"
near "$(sql "SELECT sum(selection_score) FROM content_type_performance WHERE account_id = $AID")" 1 1e-9 \
     "selection scores are probabilities summing to 1"
# the joint model splits tips' lead with its hook (only tips posts use 'question') and gives the
# unseen 'poll' its prior's chance: tips still leads, with more than half the probability
ok "tips is best with probability > 0.5" test "$(sql "SELECT selection_score > 0.5 FROM content_type_performance WHERE content_type_id = 'tips'")" = t
is "$(sql "SELECT updates_applied->>'selection' FROM learning_updates WHERE component = 'hooks'")" \
   "joint: type + formula + hook + impressions" "selection scores from the joint model"
# learning_updates: one row per component, with before/after; improvement_score dropped.
is "$(sql "SELECT component || ':' || update_type FROM learning_updates WHERE account_id = $AID ORDER BY 1")" \
"content_types:content_type_update
formulas:formula_update
hooks:hook_update" "one learning_updates row per component"
# four posts (fewer effective ones) per arm: every arm is exploratory, none is called best
is "$(sql "SELECT string_agg(content_type_id || ':' || exploratory, ',' ORDER BY content_type_id) FROM content_type_performance WHERE account_id = $AID")" \
   "poll:true,story:true,thread:true,tips:true" "arms with under learn.min_posts effective posts are exploratory"
is "$(sql "SELECT coalesce(insights_summary->>'best', 'null') FROM learning_updates WHERE component = 'content_types'")" \
   "null" "an exploratory arm is never called best"
is "$(sql "SELECT count(*) FROM learning_updates, jsonb_array_elements(updates_applied->'arms') a WHERE component = 'content_types' AND a->'score_before' = 'null'::jsonb AND (a->>'score_after')::numeric > 0")" \
   4 "first cycle: no previous scores, every arm scored"
is "$(sql "SELECT performance_before->>'policy' FROM learning_updates WHERE component = 'content_types'")" "uniform" "first cycle compares against the uniform policy"
is "$(sql "SELECT count(improvement_score) FROM learning_updates")" 0 "improvement_score is dropped (NULL; docs/learning.md says why)"
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

# With a lower bar the arms are no longer exploratory and the best is named.
XETL_LEARN_MIN_POSTS=2 xrun --as-of "$ASOF" learn
is "$(sql "SELECT insights_summary->'best'->>'arm' || ' ' || (insights_summary->'best'->>'posts') || ' ' || (insights_summary->'worst'->>'arm') FROM learning_updates WHERE component = 'content_types'")" \
   "tips 4 story" "insights: best and worst arms with evidence"
# No leakage: an attribution measured after the as-of and counters scraped after it are not seen.
sql "UPDATE follower_attributions SET measured_at = timestamptz '$ASOF' + interval '1 day', followers_gained = 500
       WHERE tweet_id = '201';
     UPDATE tweet_analytics_comprehensive SET likes = 9999, last_scraped_at = timestamptz '$ASOF' + interval '1 day'
       WHERE tweet_id = '202';
     INSERT INTO performance_snapshots (decision_id, tweet_id, snapshot_at, hours_since_post, likes, account_id, source)
       VALUES (xetl.derived_decision_id('202'), '202', timestamptz '$ASOF' - interval '3 day', 190, 10, $AID, 'api')"
xrun --as-of "$ASOF" learn
is "$(sql "SELECT posts_count || ' ' || total_followers_gained || ' ' || avg_likes FROM content_type_performance WHERE content_type_id = 'story'")" \
   "3 1 10.00" "the attribution measured later is left out, the counters are the snapshot's before the as-of"
sql "UPDATE follower_attributions SET measured_at = timestamptz '$ASOF' - interval '1 hour', followers_gained = 0
       WHERE tweet_id = '201';
     UPDATE tweet_analytics_comprehensive SET likes = 10, last_scraped_at = NULL WHERE tweet_id = '202'"
xrun --as-of "$ASOF" learn
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
