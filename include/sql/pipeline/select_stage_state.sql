-- A batch's status and counts, and how many rows it has in staging (whether a crash emptied it).
select
    b.status,
    b.received,
    b.quarantined,
    (select count(*) from staging.{table} as s where s.batch_id = b.batch_id) as staged
from audit.load_batch as b
where b.batch_id = %(batch_id)s
