-- Share established and studying one year after the diploma per programme, county level, all owners,
-- for the county's newest cohort; the programmes that lead to work fastest first.
with latest as (
    select max(cohort_year) as cohort_year
    from mart.education_transitions
    where county_code = %(county_code)s and region_level = 'county' and years_after = 1
)

select
    t.programme_name,
    t.share_established,
    t.share_studying,
    t.graduates,
    t.trend_established_pp,
    t.cohort
from mart.education_transitions as t
inner join latest as l on l.cohort_year = t.cohort_year
where t.county_code = %(county_code)s
  and t.region_level = 'county'
  and t.owner_type = 'samtliga'
  and t.years_after = 1
  and t.programme_type <> 'aggregate'
order by t.share_established desc nulls last, t.programme_name
