-- Add a note to a batch (what its source did not have), keeping notes it already has.
update audit.load_batch
set notes = concat_ws('; ', notes, %(notes)s::text)
where batch_id = %(batch_id)s::bigint
