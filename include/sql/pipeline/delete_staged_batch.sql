delete from staging.{table} where batch_id = %(batch_id)s
