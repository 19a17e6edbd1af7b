-- Apply a batch's removals: close the ad each names, by id, whatever address the removal carries
-- (a sparse removal may carry none). Only a removal newer than the ad's last change closes it;
-- the ad's other columns stay as they were. A removal of an ad never held changes nothing here
-- (audit/insert_job_ad_unknown_removals.sql keeps it).
with removals as (
    select p.ad_id, p.removed_at, p.changed_at, p.batch_id
    from passing_batch as p
    where p.is_removal
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
