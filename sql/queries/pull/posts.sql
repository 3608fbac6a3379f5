-- pull_stage → xetl.posts for account $1 at as-of $2 (one row per tweet: an error or
-- metrics row before a bare sighting, the latest response first).  The bot's record
-- wins for decision, origin and kind; a value X did not send keeps the stored one.
-- A row whose values would not change is left alone (no dead tuple, no WAL).
-- RETURNING makes the row count the rows changed on Citus too, as on PostgreSQL.
INSERT INTO xetl.posts AS p (tweet_id, account_id, decision_id, kind, posted_at, text, parent_tweet_id,
                             parent_username, content_type_id, content_type_name, viral_formula, hook_used,
                             generation_metadata, origin, status, last_error, last_error_at, first_seen_at,
                             last_snapshot_at, updated_at)
SELECT s.tweet_id, $1::bigint, coalesce(s.decision_id, xetl.derived_decision_id(s.tweet_id)),
       coalesce(s.kind, 'post'), s.created_at, s.text, s.parent_tweet_id, s.parent_username,
       s.content_type_id, s.content_type_name, s.viral_formula, s.hook_used, s.generation_metadata,
       coalesce(s.origin, 'timeline'), coalesce(s.err_status, 'active'), s.err_detail,
       CASE WHEN s.err_status IS NOT NULL THEN $2::timestamptz END, $2::timestamptz,
       CASE WHEN s.has_metrics THEN $2::timestamptz END, now()
  FROM (SELECT DISTINCT ON (tweet_id) * FROM pull_stage
         ORDER BY tweet_id, (err_status IS NOT NULL OR has_metrics) DESC, raw_response_id DESC) s
ON CONFLICT (account_id, tweet_id) DO UPDATE SET
    decision_id = CASE WHEN EXCLUDED.origin = 'bot' AND EXCLUDED.decision_id IS NOT NULL
                       THEN EXCLUDED.decision_id ELSE p.decision_id END,
    origin = CASE WHEN EXCLUDED.origin = 'bot' THEN 'bot' ELSE p.origin END,
    kind = CASE WHEN EXCLUDED.origin = 'bot' OR EXCLUDED.posted_at IS NOT NULL THEN EXCLUDED.kind ELSE p.kind END,
    posted_at = coalesce(EXCLUDED.posted_at, p.posted_at),
    text = coalesce(EXCLUDED.text, p.text),
    parent_tweet_id = coalesce(EXCLUDED.parent_tweet_id, p.parent_tweet_id),
    parent_username = coalesce(EXCLUDED.parent_username, p.parent_username),
    content_type_id = coalesce(EXCLUDED.content_type_id, p.content_type_id),
    content_type_name = coalesce(EXCLUDED.content_type_name, p.content_type_name),
    viral_formula = coalesce(EXCLUDED.viral_formula, p.viral_formula),
    hook_used = coalesce(EXCLUDED.hook_used, p.hook_used),
    generation_metadata = coalesce(EXCLUDED.generation_metadata, p.generation_metadata),
    status = CASE WHEN EXCLUDED.last_error_at IS NOT NULL THEN EXCLUDED.status
                  WHEN EXCLUDED.last_snapshot_at IS NOT NULL THEN 'active' ELSE p.status END,
    last_error = CASE WHEN EXCLUDED.last_error_at IS NOT NULL THEN EXCLUDED.last_error
                      WHEN EXCLUDED.last_snapshot_at IS NOT NULL THEN NULL ELSE p.last_error END,
    last_error_at = CASE WHEN EXCLUDED.last_error_at IS NOT NULL THEN EXCLUDED.last_error_at
                         WHEN EXCLUDED.last_snapshot_at IS NOT NULL THEN NULL ELSE p.last_error_at END,
    last_snapshot_at = greatest(p.last_snapshot_at, EXCLUDED.last_snapshot_at),
    updated_at = EXCLUDED.updated_at
WHERE (p.decision_id, p.origin, p.kind, p.posted_at, p.text, p.parent_tweet_id, p.parent_username,
       p.content_type_id, p.content_type_name, p.viral_formula, p.hook_used, p.generation_metadata,
       p.status, p.last_error, p.last_error_at, p.last_snapshot_at)
      IS DISTINCT FROM
      (CASE WHEN EXCLUDED.origin = 'bot' AND EXCLUDED.decision_id IS NOT NULL
            THEN EXCLUDED.decision_id ELSE p.decision_id END,
       CASE WHEN EXCLUDED.origin = 'bot' THEN 'bot' ELSE p.origin END,
       CASE WHEN EXCLUDED.origin = 'bot' OR EXCLUDED.posted_at IS NOT NULL THEN EXCLUDED.kind ELSE p.kind END,
       coalesce(EXCLUDED.posted_at, p.posted_at), coalesce(EXCLUDED.text, p.text),
       coalesce(EXCLUDED.parent_tweet_id, p.parent_tweet_id), coalesce(EXCLUDED.parent_username, p.parent_username),
       coalesce(EXCLUDED.content_type_id, p.content_type_id),
       coalesce(EXCLUDED.content_type_name, p.content_type_name),
       coalesce(EXCLUDED.viral_formula, p.viral_formula), coalesce(EXCLUDED.hook_used, p.hook_used),
       coalesce(EXCLUDED.generation_metadata, p.generation_metadata),
       CASE WHEN EXCLUDED.last_error_at IS NOT NULL THEN EXCLUDED.status
            WHEN EXCLUDED.last_snapshot_at IS NOT NULL THEN 'active' ELSE p.status END,
       CASE WHEN EXCLUDED.last_error_at IS NOT NULL THEN EXCLUDED.last_error
            WHEN EXCLUDED.last_snapshot_at IS NOT NULL THEN NULL ELSE p.last_error END,
       CASE WHEN EXCLUDED.last_error_at IS NOT NULL THEN EXCLUDED.last_error_at
            WHEN EXCLUDED.last_snapshot_at IS NOT NULL THEN NULL ELSE p.last_error_at END,
       greatest(p.last_snapshot_at, EXCLUDED.last_snapshot_at))
RETURNING 1
