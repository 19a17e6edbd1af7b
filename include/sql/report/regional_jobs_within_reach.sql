-- Jobs within reach per municipality of the county over the last 12 months, beside the newest
-- month's registered unemployed with a weak competitive position and those without work for more
-- than 12 months (a count that could be below 5 is NULL in mart.jobseekers_monthly and stays so).
with jobs as (
    select
        j.municipality_code,
        sum(j.ads)::integer as ads,
        sum(j.ads_within_reach)::integer as ads_within_reach,
        sum(j.ads_within_reach_part_time_or_apprenticeship)::integer as part_time_or_apprenticeship
    from mart.jobs_within_reach as j
    where j.county_code = %(county_code)s and j.municipality_code is not null
      and j.month > (select max(month) from mart.jobs_within_reach where county_code = %(county_code)s)
          - interval '12 months'
    group by j.municipality_code
),

seekers as (
    select
        s.municipality_code,
        max(s.jobseekers_min) filter (where s.group_code = 'weak_position') as weak_position,
        max(s.jobseekers_min) filter (where s.group_code = 'without_work_12m') as long_term
    from mart.jobseekers_monthly as s
    where s.county_code = %(county_code)s and s.area_level = 'municipality'
      and s.group_code in ('weak_position', 'without_work_12m')
      and s.month = (
          select max(month) from mart.jobseekers_monthly
          where county_code = %(county_code)s and group_code in ('weak_position', 'without_work_12m')
      )
    group by s.municipality_code
)

select
    m.municipality_name,
    j.ads,
    j.ads_within_reach,
    j.part_time_or_apprenticeship,
    s.weak_position,
    s.long_term
from jobs as j
inner join core.municipality as m using (municipality_code)
left join seekers as s using (municipality_code)
order by j.ads_within_reach desc, m.municipality_name
