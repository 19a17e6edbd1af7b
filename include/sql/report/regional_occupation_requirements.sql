-- The skills most often required in the county's occupations with the most vacancies, over the
-- last 12 months up to the newest month with ads: per occupation its top skills by ads requiring them.
with recent_jobs as (
    select j.ssyk4, sum(j.vacancies) as vacancies
    from mart.jobs_within_reach as j
    where j.county_code = %(county_code)s and j.ssyk4 is not null
      and j.month > (select max(month) from mart.jobs_within_reach where county_code = %(county_code)s)
          - interval '12 months'
    group by j.ssyk4
    order by vacancies desc, j.ssyk4
    limit %(occupations)s
),

skills as (
    select
        d.ssyk4,
        d.skill_label,
        sum(d.ads_required) as ads_required,
        sum(d.ads_merited) as ads_merited,
        row_number() over (
            partition by d.ssyk4 order by sum(d.ads_required) desc, sum(d.ads_mentioning) desc, d.skill_label
        ) as place
    from mart.skill_demand_monthly as d
    inner join recent_jobs as r using (ssyk4)
    where d.county_code = %(county_code)s and d.area_level = 'county'
      and d.month > (select max(month) from mart.skill_demand_monthly where county_code = %(county_code)s)
          - interval '12 months'
    group by d.ssyk4, d.skill_label
)

select
    coalesce(o.label_sv, s.ssyk4) as occupation,
    s.skill_label,
    s.ads_required::integer,
    s.ads_merited::integer,
    r.vacancies::integer
from skills as s
inner join recent_jobs as r using (ssyk4)
left join core.occupation as o on o.ssyk_code = s.ssyk4
where s.place <= %(skills)s
order by r.vacancies desc, s.ssyk4, s.place
