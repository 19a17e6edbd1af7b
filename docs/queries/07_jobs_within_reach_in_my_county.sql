-- Var i mitt län finns jobben inom räckhåll, och hur många står långt från arbetsmarknaden där?
-- Where in my county are the jobs within reach (no experience, no driving licence required), and how
-- many job seekers far from the labour market live there?
-- Jobs: the last 12 months of ads (mart.jobs_within_reach). Job seekers: the newest month of
-- mart.jobseekers_monthly, registered unemployed with a weak competitive position (svag
-- konkurrensförmåga, which includes a disability that reduces work capacity) and those without
-- work for more than 12 months; a count that could be below 5 is NULL, never shown.
-- Change: the county code ('03' = Uppsala län).
with recent as (
    select *
    from mart.jobs_within_reach
    where county_code = '03' and municipality_code is not null
      and month > (select max(month) from mart.jobs_within_reach where county_code = '03') - interval '12 months'
),

jobs as (
    select
        municipality_code,
        sum(ads) as ads,
        sum(ads_within_reach) as ads_within_reach,
        sum(vacancies_within_reach) as vacancies_within_reach,
        sum(ads_within_reach_part_time_or_apprenticeship) as within_reach_part_time_or_apprenticeship
    from recent
    group by municipality_code
),

seekers as (
    select
        municipality_code,
        max(jobseekers_min) filter (where group_code = 'weak_position') as weak_competitive_position,
        max(jobseekers_min) filter (where group_code = 'without_work_12m') as without_work_over_12_months
    from mart.jobseekers_monthly
    where county_code = '03' and area_level = 'municipality' and group_code in ('weak_position', 'without_work_12m')
      and month = (
          select max(month) from mart.jobseekers_monthly
          where county_code = '03' and group_code in ('weak_position', 'without_work_12m')
      )
    group by municipality_code
)

select
    m.municipality_name,
    j.ads,
    j.ads_within_reach,
    round(100.0 * j.ads_within_reach / nullif(j.ads, 0), 1) as percent_within_reach,
    j.vacancies_within_reach,
    j.within_reach_part_time_or_apprenticeship,
    s.weak_competitive_position,
    s.without_work_over_12_months
from jobs as j
inner join core.municipality as m using (municipality_code)
left join seekers as s using (municipality_code)
order by j.vacancies_within_reach desc, m.municipality_name;
