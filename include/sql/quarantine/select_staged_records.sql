-- The records of a batch as staged (typed by the staging table), in record order.
select record_no, {columns}
from staging.{table}
where batch_id = %(batch_id)s
order by record_no
