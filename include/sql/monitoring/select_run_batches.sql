-- The batches a task of a DAG run worked on, for an alert: the run's batches of the task's feeds
-- (all feeds when none is given) and of its part (a municipality), newest first.
select
    batch_id,
    feed,
    partition_key,
    status,
    interval_start,
    interval_end,
    received,
    loaded,
    quarantined,
    duplicates,
    out_of_area,
    error
from audit.load_batch
where run_id = %(run_id)s
  and replay_of_batch_id is null
  and (cardinality(%(feeds)s::text[]) = 0 or feed = any(%(feeds)s::text[]))
  and (%(partition)s::text is null or partition_key = %(partition)s::text)
order by batch_id desc
limit %(limit)s
