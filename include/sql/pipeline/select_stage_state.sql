-- Whether a batch's stage finished (its validation result is recorded) and how many rows it has in staging.
select
    b.status,
    b.received,
    b.quarantined,
    exists (select from audit.validation_result as v where v.batch_id = b.batch_id) as validated,
    (select count(*) from staging.{table} as s where s.batch_id = b.batch_id) as staged
from audit.load_batch as b
where b.batch_id = %(batch_id)s
