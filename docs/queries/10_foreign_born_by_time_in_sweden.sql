-- Hur går det för utrikes födda efter vistelsetid i Sverige i mina kommuner?
-- How do foreign-born residents fare, by time in Sweden, in my municipalities?
-- Change: the county code ('03' = Uppsala län). SCB's integration register (TAB6383), newest year,
-- all education levels, women and men together: the share employed, long-term unemployed and in
-- programmes with activity support per municipality and time in Sweden, and the gap in employment
-- to those born in Sweden. Shares only; a share SCB withholds (too few people) is NULL with its mark.
with newest as (
    select max(year) as year
    from mart.labour_market_outcomes
    where county_code = '03' and region_level = 'municipality'
)

select
    o.year,
    o.municipality_code,
    o.background_label as time_in_sweden,
    o.employed_share,
    o.employed_gap_to_born_in_sweden_pp,
    o.long_term_unemployed_share,
    o.in_programme_share,
    o.still_employed_share
from mart.labour_market_outcomes as o
inner join newest as n on n.year = o.year
where o.county_code = '03'
  and o.region_level = 'municipality'
  and o.group_kind = 'foreign_born_by_time_in_sweden'
  and o.education_meaning = 'all'
  and o.sex = 'T'
order by o.municipality_code, (regexp_match(o.background_meaning, '[0-9]+'))[1]::int;
