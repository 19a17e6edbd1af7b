-- Batches with quarantined records not yet replayed, newest first, with their most frequent reasons.
with open_records as (
    select q.batch_id, q.feed, q.reasons, q.quarantined_at
    from quarantine.record as q
    where q.replayed_batch_id is null
      and (%(feed)s::text is null or q.feed = %(feed)s::text)
),

per_batch as (
    select batch_id, feed, count(*) as open_records, max(quarantined_at) as quarantined_at
    from open_records
    group by batch_id, feed
),

reasons as (
    select o.batch_id, r.reason ->> 'expectation' as expectation, r.reason ->> 'column' as column_name, count(*) as records
    from open_records as o
    cross join lateral jsonb_array_elements(o.reasons) as r (reason)
    group by o.batch_id, 2, 3
)

select
    p.batch_id,
    p.feed,
    b.partition_key,
    b.interval_start,
    b.interval_end,
    b.status,
    b.replay_of_batch_id,
    p.open_records,
    p.quarantined_at,
    (
        select string_agg(
            r.expectation || coalesce('(' || r.column_name || ')', '') || ': ' || r.records, '; '
            order by r.records desc, r.expectation
        )
        from reasons as r
        where r.batch_id = p.batch_id
    ) as reasons
from per_batch as p
join audit.load_batch as b on b.batch_id = p.batch_id
order by p.batch_id desc
limit %(limit)s
