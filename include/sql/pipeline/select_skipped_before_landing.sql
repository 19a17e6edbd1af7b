-- Records of a batch a lander skipped from their bytes, before landing, as outside the area
-- (a national archive's ads of other counties): the lander writes the count into each part.
select coalesce(sum((request_params ->> 'out_of_area_skipped')::bigint), 0)::bigint as skipped
from raw.landed_payload
where batch_id = %(batch_id)s
