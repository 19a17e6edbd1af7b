insert into raw.landed_payload
    (batch_id, feed, part_no, source_url, request_params, content_type, sha256, byte_size, body)
values
    (%(batch_id)s, %(feed)s, %(part_no)s, %(source_url)s, %(request_params)s, %(content_type)s,
     %(sha256)s, %(byte_size)s, %(body)s)
returning payload_id
