-- Vilka grupper av arbetslösa har ökat i kommunen?
-- Which groups of registered unemployed have grown in municipality Y? (a count that could be
-- below 5 is suppressed: NULL; jobseekers_min = jobseekers_max when exact)
-- Change: the municipality ('0380' = Uppsala) and the two months compared.
select
    j.group_code,
    j.group_label,
    max(j.jobseekers_min) filter (where j.month = date '2026-01-01') as january_2026,
    max(j.jobseekers_min) filter (where j.month = date '2026-09-01') as september_2026,
    max(j.jobseekers_min) filter (where j.month = date '2026-09-01')
    - max(j.jobseekers_min) filter (where j.month = date '2026-01-01') as growth
from mart.jobseekers_monthly as j
where j.municipality_code = '0380' and j.month in (date '2026-01-01', date '2026-09-01')
group by j.group_code, j.group_label
order by growth desc nulls last;
