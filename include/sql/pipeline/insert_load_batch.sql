insert into audit.load_batch (feed, interval_start, interval_end, run_id, suite)
values (%(feed)s, %(interval_start)s, %(interval_end)s, %(run_id)s, %(suite)s)
returning batch_id
