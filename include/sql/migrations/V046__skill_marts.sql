-- The skills employers ask for: per ad (core.job_ad_skill), per month, place and occupation
-- (mart.skill_demand_monthly), and the skills rising and falling over the last 12 months
-- (mart.skill_trend). The rules are in docs/skills.md.

-- Every skill an ad mentions, once per ad: the enrichment's skill terms (keywords.enriched.skill)
-- and the employer's skill requirements (must_have / nice_to_have skills). The link rule: a
-- requirement's concept id names a skill of the taxonomy (a retired one counts as its
-- replacement); otherwise the term's key (core.skill_label_key of the term or label) names the one
-- concept with that label (core.skill_label); otherwise the mention stays a term, counted by its
-- key (or, for a requirement with an unknown id and no label, by that id): never dropped.
create view core.job_ad_skill as
with mentions as (
    select k.ad_id, core.skill_label_key(k.term) as term_key, null::text as concept_id, null::text as requirement
    from core.job_ad_keyword as k
    where k.origin = 'enriched' and k.keyword_type = 'skill'
    union all
    select r.ad_id, core.skill_label_key(r.label), r.concept_id, r.requirement
    from core.job_ad_requirement as r
    where r.kind = 'skills'
),

linked as (
    select
        m.ad_id,
        coalesce(e.effective_concept_id, l.concept_id) as skill_concept_id,
        case when e.effective_concept_id is null and l.concept_id is null
            then coalesce(m.term_key, m.concept_id) end as skill_term,
        m.requirement
    from mentions as m
    left join core.skill_effective as e on e.concept_id = m.concept_id
    left join core.skill_label as l on e.concept_id is null and l.label_key = m.term_key
)

select
    ad_id,
    skill_concept_id,
    skill_term,
    coalesce(bool_or(requirement = 'must_have'), false) as required,
    coalesce(bool_or(requirement = 'nice_to_have') and not bool_or(requirement = 'must_have'), false) as merited
from linked
where skill_concept_id is not null or skill_term is not null
group by ad_id, skill_concept_id, skill_term;
comment on view core.job_ad_skill is
    'Kompetenser som en annons nämner, en rad per annons och kompetens (kopplingsregeln i docs/skills.md) / '
    'skills an ad mentions, one row per ad and skill (the link rule in docs/skills.md)';
comment on column core.job_ad_skill.ad_id is 'Annons (core.job_ad) / the ad';
comment on column core.job_ad_skill.skill_concept_id is
    'Kompetensbegrepp (core.skill) när taxonomin namnger det, annars NULL / skill concept when the taxonomy names it';
comment on column core.job_ad_skill.skill_term is
    'Termens nyckel när inget begrepp har den, annars NULL / the term''s key when no concept has it';
comment on column core.job_ad_skill.required is 'Arbetsgivaren kräver kompetensen (must_have) / required by the employer';
comment on column core.job_ad_skill.merited is
    'Meriterande (nice_to_have) men inte krav / merited (nice_to_have), not required';

-- Skills demand per month, place and occupation -----------------------------------------------------
-- A county row (area_level county, municipality_code NULL) counts every ad of the county; a
-- municipality row is there where counts allow: the occupation has at least 10 ads in the
-- municipality that month (ads naming only the county are in the county row alone).
create materialized view mart.skill_demand_monthly as
with ads as (
    select
        a.ad_id,
        date_trunc('month', a.publication_date at time zone 'Europe/Stockholm')::date as month,
        a.county_code,
        a.municipality_code,
        a.ssyk4
    from core.job_ad as a
    where a.publication_date is not null
),

occupation_ads as (
    select month, 'county'::text as area_level, county_code, null::char(4) as municipality_code, ssyk4,
           count(*)::integer as ads
    from ads group by month, county_code, ssyk4
    union all
    select month, 'municipality', county_code, municipality_code, ssyk4, count(*)::integer
    from ads where municipality_code is not null
    group by month, county_code, municipality_code, ssyk4
    having count(*) >= 10
),

mentions as (
    select a.month, a.county_code, a.municipality_code, a.ssyk4, s.skill_concept_id, s.skill_term, s.required, s.merited
    from ads as a
    inner join core.job_ad_skill as s using (ad_id)
),

counted as (
    select month, 'county'::text as area_level, county_code, null::char(4) as municipality_code, ssyk4,
           skill_concept_id, skill_term,
           count(*)::integer as ads_mentioning,
           count(*) filter (where required)::integer as ads_required,
           count(*) filter (where merited)::integer as ads_merited
    from mentions group by month, county_code, ssyk4, skill_concept_id, skill_term
    union all
    select month, 'municipality', county_code, municipality_code, ssyk4, skill_concept_id, skill_term,
           count(*)::integer, count(*) filter (where required)::integer, count(*) filter (where merited)::integer
    from mentions where municipality_code is not null
    group by month, county_code, municipality_code, ssyk4, skill_concept_id, skill_term
),

-- joins below compare NULL-able codes through coalesce(..., ''): equality can be hashed, IS NOT
-- DISTINCT FROM cannot (it would be a nested loop over millions of rows)
shared as (
    select c.*, o.ads as occupation_ads, round(c.ads_mentioning::numeric / o.ads, 4) as share
    from counted as c
    inner join occupation_ads as o
        on o.month = c.month and o.area_level = c.area_level and o.county_code = c.county_code
       and coalesce(o.municipality_code, '') = coalesce(c.municipality_code, '')
       and coalesce(o.ssyk4, '') = coalesce(c.ssyk4, '')
)

-- the same month a year earlier, by a window over each skill's months (a self-join of this size
-- was planned as a nested loop)
select
    s.month,
    s.area_level,
    s.county_code,
    s.municipality_code,
    s.ssyk4,
    s.skill_concept_id,
    s.skill_term,
    coalesce(k.label_sv, s.skill_term) as skill_label,
    s.ads_mentioning,
    s.ads_required,
    s.ads_merited,
    s.occupation_ads,
    s.share,
    coalesce(sum(s.ads_mentioning) over year_before, 0)::integer as ads_mentioning_year_before,
    max(s.share) over year_before as share_year_before,
    s.share - max(s.share) over year_before as share_change
from shared as s
left join core.skill as k on k.concept_id = s.skill_concept_id
window year_before as (
    partition by s.area_level, s.county_code, s.municipality_code, s.ssyk4, s.skill_concept_id, s.skill_term
    order by s.month
    range between interval '12 months' preceding and interval '12 months' preceding
)
with no data;
create unique index skill_demand_monthly_grain on mart.skill_demand_monthly
    (county_code, month, area_level, ssyk4, municipality_code, skill_concept_id, skill_term) nulls not distinct;
create index skill_demand_monthly_occupation on mart.skill_demand_monthly (county_code, ssyk4, month)
    include (area_level, skill_label, ads_mentioning, ads_required, ads_merited, occupation_ads, share);

comment on materialized view mart.skill_demand_monthly is
    'Efterfrågade kompetenser per månad, län (kommun där antalen räcker) och yrke (regler i docs/skills.md) / '
    'skills asked for per month, county (municipality where counts allow) and occupation (rules in docs/skills.md)';
comment on column mart.skill_demand_monthly.month is
    'Publiceringsmånad (svensk tid), första dagen / month of publication (Swedish time), first day';
comment on column mart.skill_demand_monthly.area_level is
    'county: hela länet; municipality: kommunen, där yrket har minst 10 annonser i månaden / '
    'county: the whole county; municipality: where the occupation has at least 10 ads that month';
comment on column mart.skill_demand_monthly.county_code is 'Arbetsplatsens län / county of the workplace';
comment on column mart.skill_demand_monthly.municipality_code is
    'Arbetsplatsens kommun; NULL på länsrader / workplace municipality; NULL on county rows';
comment on column mart.skill_demand_monthly.ssyk4 is
    'Yrke, SSYK 2012 fyrsiffrig; NULL om okänt / occupation, SSYK 2012 4-digit; NULL when unknown';
comment on column mart.skill_demand_monthly.skill_concept_id is
    'Kompetensbegrepp (core.skill); NULL när termen saknar begrepp / skill concept; NULL when the term has none';
comment on column mart.skill_demand_monthly.skill_term is
    'Termens nyckel när den saknar begrepp; annars NULL / the term''s key when it has no concept; else NULL';
comment on column mart.skill_demand_monthly.skill_label is
    'Kompetensens namn (begreppets benämning eller termen) / the skill''s name (concept label or term)';
comment on column mart.skill_demand_monthly.ads_mentioning is
    'Annonser som nämner kompetensen / ads mentioning the skill';
comment on column mart.skill_demand_monthly.ads_required is
    'Annonser som kräver den (must_have) / ads requiring it (must_have)';
comment on column mart.skill_demand_monthly.ads_merited is
    'Annonser där den är meriterande men inte krav / ads where it is merited, not required';
comment on column mart.skill_demand_monthly.occupation_ads is
    'Yrkets annonser på platsen i månaden / the occupation''s ads in the place that month';
comment on column mart.skill_demand_monthly.share is
    'Andel av yrkets annonser som nämner kompetensen / share of the occupation''s ads mentioning the skill';
comment on column mart.skill_demand_monthly.ads_mentioning_year_before is
    'Samma månad året innan: annonser som nämnde kompetensen / the same month a year earlier: ads mentioning it';
comment on column mart.skill_demand_monthly.share_year_before is
    'Andelen samma månad året innan (NULL: ingen annons då) / the share the same month a year earlier';
comment on column mart.skill_demand_monthly.share_change is
    'Andelen minus andelen året innan (andelsenheter) / share minus the share a year earlier (in share units)';

-- Rising and falling skills per county -------------------------------------------------------------
-- The last 12 months (up to the newest month with ads) against the 12 months before, per county and
-- occupation (ssyk4 NULL: all occupations). The minimum-count rule: a skill is ranked only when at
-- least 20 ads mentioned it in each window and the occupation had at least 100 ads in each window;
-- others are listed with ranked = false and no rank, so noise never ranks.
create materialized view mart.skill_trend as
with bounds as (
    select
        max(date_trunc('month', publication_date at time zone 'Europe/Stockholm'))::date as window_end
    from core.job_ad
),

ads as (
    select
        a.ad_id,
        a.county_code,
        a.ssyk4,
        date_trunc('month', a.publication_date at time zone 'Europe/Stockholm')::date
            > (b.window_end - interval '12 months')::date as recent
    from core.job_ad as a
    cross join bounds as b
    where a.publication_date at time zone 'Europe/Stockholm' >= b.window_end - interval '23 months'
),

occupations as (
    select county_code, ssyk4, false as all_occupations,
           count(*) filter (where recent)::integer as recent_ads,
           count(*) filter (where not recent)::integer as earlier_ads
    from ads group by county_code, ssyk4
    union all
    select county_code, null, true, count(*) filter (where recent)::integer, count(*) filter (where not recent)::integer
    from ads group by county_code
),

mentions as (
    select a.county_code, a.ssyk4, a.recent, s.skill_concept_id, s.skill_term
    from ads as a
    inner join core.job_ad_skill as s using (ad_id)
),

counted as (
    select county_code, ssyk4, false as all_occupations, skill_concept_id, skill_term,
           count(*) filter (where recent)::integer as recent_ads,
           count(*) filter (where not recent)::integer as earlier_ads
    from mentions group by county_code, ssyk4, skill_concept_id, skill_term
    union all
    select county_code, null, true, skill_concept_id, skill_term,
           count(*) filter (where recent)::integer, count(*) filter (where not recent)::integer
    from mentions group by county_code, skill_concept_id, skill_term
),

shares as (
    select
        c.county_code,
        c.ssyk4,
        c.all_occupations,
        c.skill_concept_id,
        c.skill_term,
        c.recent_ads,
        c.earlier_ads,
        o.recent_ads as occupation_recent_ads,
        o.earlier_ads as occupation_earlier_ads,
        round(c.recent_ads::numeric / nullif(o.recent_ads, 0), 4) as share_recent,
        round(c.earlier_ads::numeric / nullif(o.earlier_ads, 0), 4) as share_earlier,
        c.recent_ads >= 20 and c.earlier_ads >= 20 and o.recent_ads >= 100 and o.earlier_ads >= 100 as ranked
    from counted as c
    inner join occupations as o
        on o.county_code = c.county_code and o.all_occupations = c.all_occupations
       and coalesce(o.ssyk4, '') = coalesce(c.ssyk4, '')
),

changes as (
    select *, share_recent - share_earlier as share_change from shares
)

select
    (select window_end from bounds) as window_end,
    c.county_code,
    c.ssyk4,
    c.skill_concept_id,
    c.skill_term,
    coalesce(k.label_sv, c.skill_term) as skill_label,
    c.recent_ads as ads_last_12m,
    c.earlier_ads as ads_previous_12m,
    c.occupation_recent_ads as occupation_ads_last_12m,
    c.occupation_earlier_ads as occupation_ads_previous_12m,
    c.share_recent as share_last_12m,
    c.share_earlier as share_previous_12m,
    c.share_change,
    c.ranked,
    case when c.ranked and c.share_change > 0 then
        rank() over (
            partition by c.county_code, c.ssyk4, c.ranked and c.share_change > 0
            order by c.share_change desc, c.recent_ads desc
        )
    end::integer as rank_rising,
    case when c.ranked and c.share_change < 0 then
        rank() over (
            partition by c.county_code, c.ssyk4, c.ranked and c.share_change < 0
            order by c.share_change, c.earlier_ads desc
        )
    end::integer as rank_falling
from changes as c
left join core.skill as k on k.concept_id = c.skill_concept_id
with no data;
create unique index skill_trend_grain on mart.skill_trend
    (county_code, ssyk4, skill_concept_id, skill_term) nulls not distinct;
create index skill_trend_rising on mart.skill_trend (county_code, ssyk4, rank_rising) where rank_rising is not null;
create index skill_trend_falling on mart.skill_trend (county_code, ssyk4, rank_falling) where rank_falling is not null;

comment on materialized view mart.skill_trend is
    'Kompetenser som ökar och minskar mest per län och yrke: senaste 12 månaderna mot de 12 före, med minimiantal '
    '(docs/skills.md) / skills rising and falling most per county and occupation: the last 12 months against '
    'the 12 before, with a minimum-count rule (docs/skills.md)';
comment on column mart.skill_trend.window_end is
    'Sista månaden i perioden (nyaste månaden med annonser) / the last month of the window (the newest with ads)';
comment on column mart.skill_trend.county_code is 'Arbetsplatsens län / county of the workplace';
comment on column mart.skill_trend.ssyk4 is
    'Yrke, SSYK 2012 fyrsiffrig; NULL = alla yrken i länet / occupation, SSYK 2012 4-digit; NULL = all occupations';
comment on column mart.skill_trend.skill_concept_id is
    'Kompetensbegrepp (core.skill); NULL när termen saknar begrepp / skill concept; NULL when the term has none';
comment on column mart.skill_trend.skill_term is
    'Termens nyckel när den saknar begrepp; annars NULL / the term''s key when it has no concept; else NULL';
comment on column mart.skill_trend.skill_label is 'Kompetensens namn / the skill''s name';
comment on column mart.skill_trend.ads_last_12m is
    'Annonser som nämnde kompetensen de senaste 12 månaderna / ads mentioning it in the last 12 months';
comment on column mart.skill_trend.ads_previous_12m is
    'Annonser som nämnde den de 12 månaderna före / ads mentioning it in the 12 months before';
comment on column mart.skill_trend.occupation_ads_last_12m is
    'Yrkets (eller länets) annonser de senaste 12 månaderna / the occupation''s (or county''s) ads, last 12 months';
comment on column mart.skill_trend.occupation_ads_previous_12m is
    'Yrkets (eller länets) annonser de 12 månaderna före / the occupation''s (or county''s) ads, the 12 months before';
comment on column mart.skill_trend.share_last_12m is
    'Andel av yrkets annonser, senaste 12 månaderna / share of the occupation''s ads, last 12 months';
comment on column mart.skill_trend.share_previous_12m is
    'Andel av yrkets annonser, de 12 månaderna före / share of the occupation''s ads, the 12 months before';
comment on column mart.skill_trend.share_change is
    'Förändring av andelen (andelsenheter) / change of the share (in share units)';
comment on column mart.skill_trend.ranked is
    'Sant när minimiantalen nås: minst 20 annonser med kompetensen och 100 i yrket i båda perioderna / '
    'true when the minimum counts hold: at least 20 ads with the skill and 100 in the occupation in both windows';
comment on column mart.skill_trend.rank_rising is
    'Plats bland de ökande (1 = störst ökning), bara rangordnade / rank among the rising (1 = most), ranked only';
comment on column mart.skill_trend.rank_falling is
    'Plats bland de minskande (1 = störst minskning), bara rangordnade / rank among the falling, ranked only';
