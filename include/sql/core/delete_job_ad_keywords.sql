-- Clear the keywords of the ads a batch changed, before core/insert_job_ad_keywords.sql writes theirs.
with changed as (
    -- The ads this batch wrote (core.job_ad.last_batch_id) from a full record of the batch: their
    -- keywords and requirements are replaced by the record's; ads it did not change keep theirs.
    select distinct on (s.ad_id) s.ad_id, s.enrichment::jsonb as enrichment
    from staging.job_ad as s
    inner join core.job_ad as ad
        on ad.ad_id = s.ad_id and ad.last_batch_id = s.batch_id and ad.changed_at = s.changed_at
    where s.batch_id = %(batch_id)s
      and not s.is_removal
      and not exists (
          select from quarantine.record as q
          where q.batch_id = s.batch_id and q.record_no = s.record_no
      )
    order by s.ad_id, s.record_no desc
)

delete from core.job_ad_keyword as k
using changed as c
where k.ad_id = c.ad_id
