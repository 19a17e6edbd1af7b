-- The county a regional report is about (NULL when the code is not a county of the area).
select county_code, county_name
from core.county
where county_code = %(county_code)s and in_area
