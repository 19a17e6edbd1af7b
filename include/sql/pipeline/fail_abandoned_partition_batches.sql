-- A batch still in flight ('running' or 'staged') for the same feed, part and period was left by a run that died: close it.
-- Batches of other parts (other municipalities) of the same run are left alone.
update audit.load_batch
set status = 'failed',
    finished_at = now(),
    error = coalesce(error, 'abandoned: the run that opened it did not finish; superseded by batch ' || %(batch_id)s)
where feed = %(feed)s
  and partition_key = %(partition_key)s
  and status in ('running', 'staged')
  and batch_id <> %(batch_id)s
  and interval_start is not distinct from %(interval_start)s
  and interval_end is not distinct from %(interval_end)s
returning batch_id
