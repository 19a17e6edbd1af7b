select batch_id, feed, status, received, loaded, quarantined, duplicates, out_of_area
from audit.load_batch
where batch_id = %(batch_id)s
for update
