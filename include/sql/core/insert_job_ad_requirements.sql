-- Spread must_have / nice_to_have (skills, languages, work_experiences, ...) of the ads a batch
-- changed into core.job_ad_requirement: one row per ad, requirement, kind and concept.
-- Items that are not objects, or carry neither concept_id nor label, are skipped.
with changed as (
    -- The ads this batch wrote (core.job_ad.last_batch_id) from a full record of the batch: their
    -- keywords and requirements are replaced by the record's; ads it did not change keep theirs.
    select p.ad_id, p.enrichment::jsonb as enrichment
    from passing_batch as p
    inner join core.job_ad as ad
        on ad.ad_id = p.ad_id and ad.last_batch_id = p.batch_id and ad.changed_at = p.changed_at
    where not p.is_removal
),

lists as (
    select c.ad_id, r.key as requirement, k.key as kind, k.value
    from changed as c
    cross join lateral jsonb_each(c.enrichment - 'keywords') as r
    cross join lateral jsonb_each(case when jsonb_typeof(r.value) = 'object' then r.value end) as k
    where r.key in ('must_have', 'nice_to_have') and jsonb_typeof(k.value) = 'array'
),

items as (
    select
        l.ad_id,
        l.requirement,
        l.kind,
        nullif(item ->> 'concept_id', '') as concept_id,
        nullif(item ->> 'label', '') as label,
        case
            when jsonb_typeof(item -> 'weight') = 'number' and (item ->> 'weight')::numeric between -1e9 and 1e9
                then round((item ->> 'weight')::numeric)::integer
        end as weight
    from lists as l
    cross join lateral jsonb_array_elements(l.value) as item
    where jsonb_typeof(item) = 'object'
)

insert into core.job_ad_requirement (ad_id, requirement, kind, concept_key, concept_id, label, weight)
select distinct on (ad_id, requirement, kind, coalesce(concept_id, label))
    ad_id, requirement, kind, coalesce(concept_id, label), concept_id, label, weight
from items
where coalesce(concept_id, label) is not null
order by ad_id, requirement, kind, coalesce(concept_id, label), weight desc nulls last
