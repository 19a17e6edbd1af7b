-- The quarantined records of one batch (open ones first), with their reasons and the record kept.
select record_no, natural_key, reasons, record, quarantined_at, replayed_batch_id
from quarantine.record
where batch_id = %(batch_id)s
order by replayed_batch_id is not null, record_no
limit %(limit)s
