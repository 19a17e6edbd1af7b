delete from quarantine.record where batch_id = %(batch_id)s
