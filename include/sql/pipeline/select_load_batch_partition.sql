select partition_key from audit.load_batch where batch_id = %(batch_id)s
