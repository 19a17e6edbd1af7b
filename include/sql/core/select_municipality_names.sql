-- Municipality codes, names and counties, to map the names the statistics workbooks write;
-- current codes first, so a name shared with a retired code maps to the current one.
select municipality_code, municipality_name, county_code
from core.municipality
order by retired_at is null, municipality_code
