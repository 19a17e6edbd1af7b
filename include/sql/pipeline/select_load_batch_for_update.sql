-- A batch's audit row, locked until the transaction ends: every transition of its status
-- (vagled.pipeline.batch) checks the status it starts from under this lock.
select batch_id, feed, status, received, loaded, quarantined, duplicates, out_of_area, error
from audit.load_batch
where batch_id = %(batch_id)s
for update
