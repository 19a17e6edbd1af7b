-- A snapshot older than an offering's first sighting that lists it moves that sighting back,
-- so weeks backfilled in any order give the same first_seen_on.
with snapshot as (
    select (b.interval_end at time zone 'Europe/Stockholm')::date as snapshot_on
    from audit.load_batch as b
    where b.batch_id = %(batch_id)s
),

listed as (
    select p.offering_id
    from passing_batch as p
)

update core.education_offering as o
set first_seen_on = snapshot.snapshot_on
from snapshot, listed
where o.offering_id = listed.offering_id
  and snapshot.snapshot_on < o.first_seen_on
