-- How many staged rows of a batch passed validation (the duplicates among them are not in passing_batch).
select count(*) as passing
from staging.{table} as s
where s.batch_id = %(batch_id)s
  and not exists (
      select from quarantine.record as q
      where q.batch_id = s.batch_id and q.record_no = s.record_no
  )
