-- Vilka gymnasieprogram i mitt län leder snabbast till arbete, och går det åt rätt håll?
-- Which upper-secondary programmes in my county lead to work fastest, and is it getting better?
-- Change: the county code ('03' = Uppsala län). Newest cohort, all school owners, 1 year after
-- the diploma, with 3 and 5 years after for the same cohort and the change since the previous one.
-- A share Skolverket suppresses (too few pupils) or lacks is NULL, with the reason beside it.
with newest as (
    select max(cohort_year) as cohort_year
    from mart.education_transitions
    where county_code = '03' and region_level = 'county'
)

select
    t.programme_name,
    t.cohort,
    t.graduates,
    max(t.share_established) filter (where t.years_after = 1) as established_after_1_year,
    max(t.share_established) filter (where t.years_after = 3) as established_after_3_years,
    max(t.share_established) filter (where t.years_after = 5) as established_after_5_years,
    max(t.share_studying) filter (where t.years_after = 1) as studying_after_1_year,
    max(t.trend_established_pp) filter (where t.years_after = 1) as change_since_previous_cohort_pp,
    max(t.share_established_status) filter (where t.years_after = 1) as why_missing
from mart.education_transitions as t
inner join newest as n on n.cohort_year = t.cohort_year
where t.county_code = '03'
  and t.region_level = 'county'
  and t.owner_type = 'samtliga'
  and t.programme_type <> 'aggregate'
group by t.programme_name, t.cohort, t.graduates
order by established_after_1_year desc nulls last, t.programme_name;
