update audit.load_batch
set status = %(status)s,
    finished_at = now(),
    error = %(error)s
where batch_id = %(batch_id)s
  and status = 'running'
