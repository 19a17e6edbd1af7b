-- Spread keywords.enriched / keywords.extracted of the ads a batch changed into core.job_ad_keyword:
-- one row per ad, origin, type and term. A value of another JSON shape than the source's
-- (an object of lists of terms) is skipped, never fails the batch.
with changed as (
    -- The ads this batch wrote (core.job_ad.last_batch_id) from a full record of the batch: their
    -- keywords and requirements are replaced by the record's; ads it did not change keep theirs.
    select p.ad_id, p.enrichment::jsonb as enrichment
    from passing_batch as p
    inner join core.job_ad as ad
        on ad.ad_id = p.ad_id and ad.last_batch_id = p.batch_id and ad.changed_at = p.changed_at
    where not p.is_removal
),

origins as (
    select c.ad_id, o.key as origin, o.value
    from changed as c
    cross join lateral jsonb_each(
        case when jsonb_typeof(c.enrichment -> 'keywords') = 'object' then c.enrichment -> 'keywords' end
    ) as o
    where o.key in ('enriched', 'extracted') and jsonb_typeof(o.value) = 'object'
),

terms as (
    select o.ad_id, o.origin, t.key as keyword_type, term.value #>> '{}' as term
    from origins as o
    cross join lateral jsonb_each(o.value) as t
    cross join lateral jsonb_array_elements(case when jsonb_typeof(t.value) = 'array' then t.value end) as term
    where jsonb_typeof(term.value) = 'string'
)

insert into core.job_ad_keyword (ad_id, origin, keyword_type, term)
select distinct ad_id, origin, keyword_type, term
from terms
where term <> ''
