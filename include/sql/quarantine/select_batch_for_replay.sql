-- The batch whose quarantine is replayed, locked so two replays of it cannot run at once.
select batch_id, feed, status, interval_start, interval_end, partition_key, suite
from audit.load_batch
where batch_id = %(batch_id)s
for update
