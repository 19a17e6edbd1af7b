-- Merge one validated batch of the occupational outlook; the last record per key wins.
with passing as (
    select s.*
    from staging.occupational_outlook as s
    where s.batch_id = %(batch_id)s
      and not exists (
          select from quarantine.record as q
          where q.batch_id = s.batch_id and q.record_no = s.record_no
      )
),

latest as (
    select distinct on (year, half, county_code, ssyk4) *
    from passing
    order by year, half, county_code, ssyk4, record_no desc
)

insert into core.occupational_outlook as o (
    year, half, county_code, ssyk4, shortage_index, assessment, outlook_1y, outlook_5y, last_batch_id
)
select year, half, county_code, ssyk4, shortage_index, assessment, outlook_1y, outlook_5y, batch_id
from latest
on conflict (year, half, county_code, ssyk4) do update
set shortage_index = excluded.shortage_index,
    assessment = excluded.assessment,
    outlook_1y = excluded.outlook_1y,
    outlook_5y = excluded.outlook_5y,
    last_batch_id = excluded.last_batch_id
where (o.shortage_index, o.assessment, o.outlook_1y, o.outlook_5y)
      is distinct from (excluded.shortage_index, excluded.assessment, excluded.outlook_1y, excluded.outlook_5y)
