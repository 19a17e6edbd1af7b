-- What the ads say about skills: per ad two enriched skill terms (skewed, as real demand is: a few
-- hundred skills hold most mentions; one term in twenty is not a taxonomy label) and two skill
-- requirements, one must-have and one nice-to-have, by concept id.
with ads as (
    select ad_id from core.job_ad where ad_id like 'bench-%%'
),

keywords as (
    insert into core.job_ad_keyword (ad_id, origin, keyword_type, term)
    select distinct
        a.ad_id,
        'enriched',
        'skill',
        case when random() < 0.05 then 'okänd term ' || floor(random() * 500)::integer
             else 'kompetens ' || (1 + floor(power(random(), 3) * 6000)::integer) end
    from ads as a
    cross join generate_series(1, 2) as k (n)
    returning 1
)

insert into core.job_ad_requirement (ad_id, requirement, kind, concept_key, concept_id, label, weight)
select
    a.ad_id,
    r.requirement,
    'skills',
    'bnch_' || lpad(pick.n::text, 4, '0'),
    'bnch_' || lpad(pick.n::text, 4, '0'),
    'Kompetens ' || pick.n,
    r.weight
from ads as a
cross join (values ('must_have', 10), ('nice_to_have', 5)) as r (requirement, weight)
-- a different skill per ad and requirement (the ad id in the expression keeps it per row)
cross join lateral (
    select 1 + floor(power(random(), 3) * 6000)::integer + 0 * length(a.ad_id || r.requirement) as n
) as pick
