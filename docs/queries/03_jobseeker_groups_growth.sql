-- Vilka grupper av arbetssökande har ökat i kommunen?
-- Which groups of job seekers have grown in municipality Y? (counts below 5 are suppressed: NULL)
-- Change: the municipality ('0380' = Uppsala) and the two months compared.
select
    j.group_code,
    g.label_sv as job_seeker_group,
    max(j.jobseekers) filter (where j.month = date '2026-01-01') as january_2026,
    max(j.jobseekers) filter (where j.month = date '2026-10-01') as october_2026,
    max(j.jobseekers) filter (where j.month = date '2026-10-01')
    - max(j.jobseekers) filter (where j.month = date '2026-01-01') as growth
from mart.jobseekers_monthly as j
inner join core.jobseeker_group as g on g.group_code = j.group_code
where j.municipality_code = '0380' and j.month in (date '2026-01-01', date '2026-10-01')
group by j.group_code, g.label_sv
order by growth desc nulls last;
