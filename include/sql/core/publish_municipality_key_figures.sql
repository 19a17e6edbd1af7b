-- Merge one validated batch of key figures (Kolada or SCB); the last record per key wins.
with passing as (
    select s.*
    from staging.municipality_key_figure as s
    where s.batch_id = %(batch_id)s
      and not exists (
          select from quarantine.record as q
          where q.batch_id = s.batch_id and q.record_no = s.record_no
      )
),

latest as (
    select distinct on (municipality_code, year, month, indicator_code, gender) *
    from passing
    order by municipality_code, year, month, indicator_code, gender, record_no desc
)

insert into core.municipality_key_figure as k
    (municipality_code, year, month, indicator_code, gender, value, status, last_batch_id)
select municipality_code, year, month, indicator_code, gender, value, status, batch_id
from latest
on conflict (municipality_code, year, month, indicator_code, gender) do update
set value = excluded.value,
    status = excluded.status,
    last_batch_id = excluded.last_batch_id
where (k.value, k.status) is distinct from (excluded.value, excluded.status)
