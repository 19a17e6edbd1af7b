-- Merge one validated batch's TAB6929 cells (matched employment by education group); the last
-- record per key wins.
with passing as (
    select p.*
    from passing_batch as p
    inner join core.scb_code as c on c.variable_code = p.education_variable and c.value_code = p.education_code
    where p.background_code is null
),

latest as (
    select distinct on (year, region_code, education_variable, education_code, measure) *
    from passing
    order by year, region_code, education_variable, education_code, measure, record_no desc
)

insert into core.matched_employment as m (
    year, region_code, education_codelist, education_code, measure, table_id, content_code,
    region_level, county_code, municipality_code, value, status, last_batch_id
)
select
    year, region_code, education_variable, education_code, measure, table_id, content_code,
    region_level, county_code, municipality_code, value, status, batch_id
from latest
on conflict (year, region_code, education_codelist, education_code, measure) do update
set table_id = excluded.table_id,
    content_code = excluded.content_code,
    region_level = excluded.region_level,
    county_code = excluded.county_code,
    municipality_code = excluded.municipality_code,
    value = excluded.value,
    status = excluded.status,
    last_batch_id = excluded.last_batch_id
where (m.table_id, m.content_code, m.value, m.status) is distinct from
    (excluded.table_id, excluded.content_code, excluded.value, excluded.status)
