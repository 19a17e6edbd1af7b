-- Keep the removals of a batch that name an ad the warehouse never held: counted, never an ad.
-- Runs after core/publish_job_ads.sql, so an ad published and removed in one batch is held.
with removals as (
    select distinct on (s.ad_id) s.ad_id, s.removed_at, s.changed_at, s.county_code, s.batch_id
    from staging.job_ad as s
    where s.batch_id = %(batch_id)s
      and s.is_removal
      and not exists (
          select from quarantine.record as q
          where q.batch_id = s.batch_id and q.record_no = s.record_no
      )
    order by s.ad_id, s.changed_at desc, s.record_no desc
)

insert into audit.job_ad_unknown_removal (batch_id, ad_id, removed_at, changed_at, county_code)
select r.batch_id, r.ad_id, r.removed_at, r.changed_at, r.county_code
from removals as r
where not exists (select from core.job_ad as ad where ad.ad_id = r.ad_id)
on conflict (batch_id, ad_id) do nothing
