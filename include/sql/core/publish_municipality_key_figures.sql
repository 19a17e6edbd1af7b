-- Merge one validated batch of key figures (Kolada or SCB); the last record per key wins.
insert into core.municipality_key_figure as k
    (municipality_code, year, month, indicator_code, gender, value, status, last_batch_id)
select municipality_code, year, month, indicator_code, gender, value, status, batch_id
from passing_batch
on conflict (municipality_code, year, month, indicator_code, gender) do update
set value = excluded.value,
    status = excluded.status,
    last_batch_id = excluded.last_batch_id
where (k.value, k.status) is distinct from (excluded.value, excluded.status)
