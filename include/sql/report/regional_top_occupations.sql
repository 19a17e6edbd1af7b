-- The occupations with the most vacancies in the county so far this year (January up to the
-- newest month loaded), beside the same months of the year before.
select
    j.ssyk4,
    coalesce(o.label_sv, j.ssyk4) as occupation,
    sum(j.vacancies) filter (where j.month >= make_date(%(year)s, 1, 1)) as vacancies,
    coalesce(sum(j.vacancies) filter (where j.month < make_date(%(year)s, 1, 1)), 0) as vacancies_year_before
from mart.job_ads_monthly as j
left join core.occupation as o on o.ssyk_code = j.ssyk4
where
    j.county_code = %(county_code)s
    and j.ssyk4 is not null
    and (
        j.month between make_date(%(year)s, 1, 1) and make_date(%(year)s, %(last_month)s, 1)
        or j.month between make_date(%(year)s - 1, 1, 1) and make_date(%(year)s - 1, %(last_month)s, 1)
    )
group by j.ssyk4, o.label_sv
having sum(j.vacancies) filter (where j.month >= make_date(%(year)s, 1, 1)) > 0
order by vacancies desc, j.ssyk4
limit %(top)s
