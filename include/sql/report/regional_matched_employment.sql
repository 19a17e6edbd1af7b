-- Matched employment per education group in the county, newest year, lowest first (TAB6929).
with newest as (
    select max(year) as year
    from mart.matched_employment
    where county_code = %(county_code)s and region_level = 'county'
)

select m.education_label, m.matched_share, m.matched_share_all_groups, m.trend_pp, m.year
from mart.matched_employment as m
inner join newest as n on n.year = m.year
where m.county_code = %(county_code)s
  and m.region_level = 'county'
  and m.education_code <> '00S'
order by m.matched_share asc nulls last, m.education_label
