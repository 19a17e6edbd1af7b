-- A replay is a batch of its own, for the same feed, period and part as the batch it replays.
insert into audit.load_batch (feed, interval_start, interval_end, run_id, suite, partition_key, replay_of_batch_id)
select feed, interval_start, interval_end, %(run_id)s, suite, partition_key, batch_id
from audit.load_batch
where batch_id = %(batch_id)s
returning batch_id
