-- Registered unemployed per group and month in the whole county (its municipalities and its
-- "Uppgift saknas" rows), from the mart, where a count that could be below 5 is never shown.
select
    j.month,
    j.group_label,
    j.jobseekers_min::integer as jobseekers,
    (j.suppressed)::integer as suppressed_cells
from mart.jobseekers_monthly as j
where j.area_level = 'county' and j.area_code = %(county_code)s
  and j.month >= make_date(%(year)s - 1, 1, 1)
  and j.group_code in ('total', 'age:18-24 år', 'birth:Född utanför Sverige', 'without_work_12m', 'weak_position')
order by j.group_code, j.month
