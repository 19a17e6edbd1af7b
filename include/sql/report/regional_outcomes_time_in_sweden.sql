-- The share employed by time in Sweden, against those born in Sweden, in the county (TAB6384),
-- newest year, all education levels, women and men together.
with newest as (
    select max(year) as year
    from mart.labour_market_outcomes
    where county_code = %(county_code)s and region_level = 'county'
)

select o.background_label, o.employed_share, o.long_term_unemployed_share, o.in_programme_share, o.year
from mart.labour_market_outcomes as o
inner join newest as n on n.year = o.year
where o.county_code = %(county_code)s
  and o.region_level = 'county'
  and o.education_meaning = 'all'
  and o.sex = 'T'
  and (o.group_kind = 'foreign_born_by_time_in_sweden' or o.background_meaning = 'born_in_sweden')
order by o.background_meaning = 'born_in_sweden' desc, (regexp_match(o.background_meaning, '[0-9]+'))[1]::int
