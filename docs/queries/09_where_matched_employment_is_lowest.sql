-- Var är matchningen mellan utbildning och yrke lägst i mitt län?
-- Where is matched employment (occupation matching education) lowest in my county?
-- Change: the county code ('03' = Uppsala län). SCB's regional matching indicators (TAB6929), newest
-- year: each education group in each municipality of the county, lowest share first, against all
-- groups of the same municipality. A share SCB withholds (too few people) is NULL with its mark.
-- Education groups come from one codelist only (SCB's education groups, never mixed with levels).
with newest as (
    select max(year) as year
    from mart.matched_employment
    where county_code = '03'
)

select
    m.year,
    coalesce(m.municipality_code, m.county_code) as region_code,
    m.region_level,
    m.education_code,
    m.education_label,
    m.matched_share,
    m.matched_share_all_groups,
    m.difference_from_all_pp,
    m.trend_pp,
    m.status as why_missing
from mart.matched_employment as m
inner join newest as n on n.year = m.year
where m.county_code = '03'
  and m.education_code <> '00S'
order by m.matched_share asc nulls last, region_code, m.education_code
limit 50;
