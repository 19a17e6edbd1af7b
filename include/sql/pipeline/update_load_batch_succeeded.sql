-- A staged batch's merge committed: its counts, and status 'succeeded'.
update audit.load_batch
set loaded = %(loaded)s,
    duplicates = %(duplicates)s,
    status = 'succeeded',
    finished_at = now(),
    error = null
where batch_id = %(batch_id)s
  and status = any(%(allowed)s::text[])
