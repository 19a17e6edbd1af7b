-- Vilka yrken har flest lediga jobb i länet i år, och hur har det ändrats sedan förra året?
-- Which occupations in county X have the most vacancies this year, and how has that changed from last year?
-- Change: the county code ('03' = Uppsala län) and the years (2026 against 2025).
select
    j.ssyk4,
    o.label_sv as occupation,
    sum(j.vacancies) filter (where j.month >= date '2026-01-01') as vacancies_2026,
    sum(j.vacancies) filter (where j.month < date '2026-01-01') as vacancies_2025,
    sum(j.vacancies) filter (where j.month >= date '2026-01-01')
    - coalesce(sum(j.vacancies) filter (where j.month < date '2026-01-01'), 0) as change
from mart.job_ads_monthly as j
left join core.occupation as o on o.ssyk_code = j.ssyk4
where j.county_code = '03' and j.month >= date '2025-01-01' and j.month < date '2027-01-01'
group by j.ssyk4, o.label_sv
order by vacancies_2026 desc nulls last
limit 20;
