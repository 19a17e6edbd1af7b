-- The newest month of job seekers in core (NULL before the first load).
select max(month) as month
from core.jobseekers_monthly
where group_code = 'total' and area_level = 'nation'
