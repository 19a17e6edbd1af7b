-- Clear the keywords of the ads a batch changed, before core/insert_job_ad_keywords.sql writes theirs.
-- Runs after core/publish_job_ads.sql and before core/close_job_ads.sql: an ad whose
-- last_batch_id is this batch's was just written from a full record of it.
delete from core.job_ad_keyword as child
using core.job_ad as ad
where ad.ad_id = child.ad_id
  and ad.last_batch_id = %(batch_id)s
