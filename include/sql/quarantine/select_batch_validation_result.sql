-- A batch's validation result as its stage wrote it (audit.validation_result), for its Data Docs.
select rows_validated, rows_failed
from audit.validation_result
where batch_id = %(batch_id)s and suite = %(suite)s
