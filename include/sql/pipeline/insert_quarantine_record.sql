insert into quarantine.record (batch_id, record_no, feed, natural_key, reasons, record)
values (%(batch_id)s, %(record_no)s, %(feed)s, %(natural_key)s, %(reasons)s, %(record)s)
