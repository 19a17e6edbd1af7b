-- The newest year with job ads published in the county: the year a regional report is about.
select max(extract(year from month))::integer
from mart.job_ads_monthly
where county_code = %(county_code)s
