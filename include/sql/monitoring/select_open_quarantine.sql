-- Open (not replayed) quarantined records for the Data health page: of one batch, or of a feed
-- (and county, for feeds loaded per municipality), newest batches first.
select
    q.batch_id,
    b.partition_key,
    q.record_no,
    q.natural_key,
    q.reasons,
    q.quarantined_at
from quarantine.record as q
join audit.load_batch as b on b.batch_id = q.batch_id
where q.replayed_batch_id is null
  and (%(batch_id)s::bigint is null or q.batch_id = %(batch_id)s::bigint)
  and (%(feed)s::text is null or q.feed = %(feed)s::text)
  and (%(county)s::text is null or left(b.partition_key, 2) = %(county)s::text)
order by q.batch_id desc, q.record_no
limit %(limit)s
