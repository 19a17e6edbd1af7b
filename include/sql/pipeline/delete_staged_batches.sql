-- The staged rows of batches that will never be published (closed as abandoned).
delete from staging.{table} where batch_id = any(%(batch_ids)s)
