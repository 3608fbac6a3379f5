-- 0110 attribution_model: what the lagged count model of attribute and the
-- overdispersed posteriors of learn write beyond the earlier columns
-- (docs/attribution.md, docs/learning.md, docs/schema.md).  Only nullable
-- columns are added and two NOT NULLs dropped; no existing row is touched.

-- The credit is a posterior mean, a fraction of a follow on small accounts:
-- followers_gained keeps the rounded figure the seed's readers expect, this
-- column the number itself.
ALTER TABLE follower_attributions
    ADD COLUMN IF NOT EXISTS followers_credited numeric;

-- An import-only account (X's exports, no follower samples) has X's own
-- per-post follows but no follower count around the post: unknown, not 0.
ALTER TABLE follower_attributions
    ALTER COLUMN followers_before DROP NOT NULL,
    ALTER COLUMN followers_after DROP NOT NULL;

-- An arm with too little evidence to be compared is exploratory: its
-- selection score is a reason to try it, never a claim that it is best.
ALTER TABLE content_type_performance ADD COLUMN IF NOT EXISTS exploratory boolean;
ALTER TABLE formula_performance ADD COLUMN IF NOT EXISTS exploratory boolean;
ALTER TABLE hook_performance ADD COLUMN IF NOT EXISTS exploratory boolean;
