insert into audit.load_batch (feed, interval_start, interval_end, run_id, suite, partition_key)
values (%(feed)s, %(interval_start)s, %(interval_end)s, %(run_id)s, %(suite)s, %(partition_key)s)
returning batch_id
