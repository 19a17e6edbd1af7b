-- A batch's rows that passed validation (staged and not in quarantine), one per natural key: the
-- last by the feed's order wins (FeedSpec.order_by, latest last).
insert into passing_batch
select distinct on ({key}) s.*
from staging.{table} as s
where s.batch_id = %(batch_id)s
  and not exists (
      select from quarantine.record as q
      where q.batch_id = s.batch_id and q.record_no = s.record_no
  )
order by {key}, {order}
