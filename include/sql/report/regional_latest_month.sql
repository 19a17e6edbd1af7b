-- The newest month with job ads published in the county: this year is compared with the same
-- months of the year before.
select max(month)
from mart.job_ads_monthly
where county_code = %(county_code)s
