-- Close (never delete) every open offering of the batch's source that a complete weekly snapshot
-- no longer lists (a Skolverket snapshot never closes MYH's programmes, nor the reverse).
-- Listed means staged in the batch, quarantined or not: a record that failed validation is still
-- on offer. Only a snapshot newer than the offering's last sighting closes it, and nothing is
-- closed when a record of the batch could not be read (it might be that very offering) or the
-- snapshot is empty.
with snapshot as (
    select (b.interval_end at time zone 'Europe/Stockholm')::date as snapshot_on
    from audit.load_batch as b
    where b.batch_id = %(batch_id)s
),

listed as (
    select s.offering_id, s.source
    from staging.education_offering as s
    where s.batch_id = %(batch_id)s
      and s.offering_id is not null
),

unreadable as (
    select count(*) as records
    from quarantine.record as q
    where q.batch_id = %(batch_id)s
      and coalesce(q.natural_key, '') = ''
)

update core.education_offering as o
set closed_on = snapshot.snapshot_on,
    last_batch_id = %(batch_id)s
from snapshot, unreadable
where o.closed_on is null
  and o.source in (select listed.source from listed)
  and o.last_seen_on < snapshot.snapshot_on
  and unreadable.records = 0
  and exists (select from listed)
  and not exists (select from listed where listed.offering_id = o.offering_id)
