-- Merge one validated batch's TAB6383/TAB6384 cells (outcomes by education level, background and
-- sex); the last record per key wins.
with passing as (
    select p.*
    from passing_batch as p
    where p.background_code is not null
),

latest as (
    select distinct on (year, region_code, education_code, background_code, sex, measure) *
    from passing
    order by year, region_code, education_code, background_code, sex, measure, record_no desc
)

insert into core.labour_market_outcome as o (
    year, region_code, education_variable, education_code, background_variable, background_code, sex,
    measure, table_id, content_code, region_level, county_code, municipality_code, value, status,
    last_batch_id
)
select
    year, region_code, education_variable, education_code, 'BakgrVar', background_code, sex,
    measure, table_id, content_code, region_level, county_code, municipality_code, value, status,
    batch_id
from latest
on conflict (year, region_code, education_code, background_code, sex, measure) do update
set table_id = excluded.table_id,
    content_code = excluded.content_code,
    region_level = excluded.region_level,
    county_code = excluded.county_code,
    municipality_code = excluded.municipality_code,
    value = excluded.value,
    status = excluded.status,
    last_batch_id = excluded.last_batch_id
where (o.table_id, o.content_code, o.value, o.status) is distinct from
    (excluded.table_id, excluded.content_code, excluded.value, excluded.status)
