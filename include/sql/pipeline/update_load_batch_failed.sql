-- Close a batch in flight (running or staged) as failed or rejected, with its reason.
update audit.load_batch
set status = %(status)s,
    finished_at = now(),
    error = %(error)s
where batch_id = %(batch_id)s
  and status = any(%(allowed)s::text[])
