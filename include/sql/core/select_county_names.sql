-- County codes and names, to map the names the statistics workbooks write.
select county_code, county_name
from core.county
order by county_code
