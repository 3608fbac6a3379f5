-- 0050 learn_health: the columns xetl learn writes beyond the seed's
-- (docs/learning.md, docs/schema.md).  The three *_performance tables get the
-- same set, so one arm row has one meaning whatever the component.  Only
-- nullable columns are added; no existing row is touched.

ALTER TABLE content_type_performance
    ADD COLUMN IF NOT EXISTS success_rate numeric,
    ADD COLUMN IF NOT EXISTS viral_coefficient numeric,
    ADD COLUMN IF NOT EXISTS last_used timestamptz,
    ADD COLUMN IF NOT EXISTS evidence_weight numeric,
    ADD COLUMN IF NOT EXISTS prior_alpha numeric,
    ADD COLUMN IF NOT EXISTS prior_beta numeric,
    ADD COLUMN IF NOT EXISTS posterior_mean numeric,
    ADD COLUMN IF NOT EXISTS posterior_lo numeric,
    ADD COLUMN IF NOT EXISTS posterior_hi numeric,
    ADD COLUMN IF NOT EXISTS as_of timestamptz;

ALTER TABLE formula_performance
    ADD COLUMN IF NOT EXISTS avg_replies numeric,
    ADD COLUMN IF NOT EXISTS avg_impressions numeric,
    ADD COLUMN IF NOT EXISTS follower_conversion_rate numeric,
    ADD COLUMN IF NOT EXISTS evidence_weight numeric,
    ADD COLUMN IF NOT EXISTS prior_alpha numeric,
    ADD COLUMN IF NOT EXISTS prior_beta numeric,
    ADD COLUMN IF NOT EXISTS posterior_mean numeric,
    ADD COLUMN IF NOT EXISTS posterior_lo numeric,
    ADD COLUMN IF NOT EXISTS posterior_hi numeric,
    ADD COLUMN IF NOT EXISTS as_of timestamptz;

ALTER TABLE hook_performance
    ADD COLUMN IF NOT EXISTS avg_replies numeric,
    ADD COLUMN IF NOT EXISTS avg_impressions numeric,
    ADD COLUMN IF NOT EXISTS follower_conversion_rate numeric,
    ADD COLUMN IF NOT EXISTS evidence_weight numeric,
    ADD COLUMN IF NOT EXISTS prior_alpha numeric,
    ADD COLUMN IF NOT EXISTS prior_beta numeric,
    ADD COLUMN IF NOT EXISTS posterior_mean numeric,
    ADD COLUMN IF NOT EXISTS posterior_lo numeric,
    ADD COLUMN IF NOT EXISTS posterior_hi numeric,
    ADD COLUMN IF NOT EXISTS as_of timestamptz;
