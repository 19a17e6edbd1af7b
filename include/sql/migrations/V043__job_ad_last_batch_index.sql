-- Publishing job ads finds the ads a batch wrote by last_batch_id: their keywords and
-- requirements are replaced (include/sql/core/delete_job_ad_*.sql).
create index job_ad_last_batch on core.job_ad (last_batch_id);
