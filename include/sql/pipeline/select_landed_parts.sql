select part_no, content_type, body
from raw.landed_payload
where batch_id = %(batch_id)s
order by part_no
