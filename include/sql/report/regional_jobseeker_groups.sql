-- Job seekers per group and month in the county: the sum of the municipalities' shown counts
-- (counts below 5 are suppressed in the mart and so are not part of the sum).
select
    j.month,
    g.label_sv as group_label,
    sum(j.jobseekers)::integer as jobseekers,
    count(*) filter (where j.suppressed)::integer as suppressed_cells
from mart.jobseekers_monthly as j
inner join core.jobseeker_group as g on g.group_code = j.group_code
where j.county_code = %(county_code)s and j.month >= make_date(%(year)s - 1, 1, 1)
group by j.month, g.group_code, g.label_sv
order by g.group_code, j.month
