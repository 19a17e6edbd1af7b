-- Apply a batch's removals: close the ad each names, by id, whatever address the removal carries
-- (a sparse removal may carry none). Only a removal newer than the ad's last change closes it;
-- the ad's other columns stay as they were. A removal of an ad never held changes nothing here
-- (audit/insert_job_ad_unknown_removals.sql keeps it).
with removals as (
    select distinct on (s.ad_id) s.ad_id, s.removed_at, s.changed_at, s.batch_id
    from staging.job_ad as s
    where s.batch_id = %(batch_id)s
      and s.is_removal
      and not exists (
          select from quarantine.record as q
          where q.batch_id = s.batch_id and q.record_no = s.record_no
      )
    order by s.ad_id, s.changed_at desc, s.record_no desc
)

update core.job_ad as ad
set removed_at = r.removed_at,
    changed_at = r.changed_at,
    last_batch_id = r.batch_id
from removals as r
where ad.ad_id = r.ad_id
  and (
      r.changed_at > ad.changed_at
      or (r.changed_at = ad.changed_at and ad.removed_at is distinct from r.removed_at)
  )
