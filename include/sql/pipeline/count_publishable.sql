-- Rows of a staged batch that passed validation, and how many distinct natural keys they hold.
select
    count(*) as passing,
    count(distinct ({key})) as distinct_keys
from staging.{table} as s
where s.batch_id = %(batch_id)s
  and not exists (
      select from quarantine.record as q
      where q.batch_id = s.batch_id and q.record_no = s.record_no
  )
