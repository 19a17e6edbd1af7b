select record_no, natural_key, record, reasons
from quarantine.record
where batch_id = %(batch_id)s
  and replayed_batch_id is null
order by record_no
for update
