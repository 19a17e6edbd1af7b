-- Keep the removals of a batch that name an ad the warehouse never held: counted, never an ad.
-- Runs after core/publish_job_ads.sql, so an ad published and removed in one batch is held.
with removals as (
    select p.ad_id, p.removed_at, p.changed_at, p.county_code, p.batch_id
    from passing_batch as p
    where p.is_removal
)

insert into audit.job_ad_unknown_removal (batch_id, ad_id, removed_at, changed_at, county_code)
select r.batch_id, r.ad_id, r.removed_at, r.changed_at, r.county_code
from removals as r
where not exists (select from core.job_ad as ad where ad.ad_id = r.ad_id)
on conflict (batch_id, ad_id) do nothing
