-- A batch's stage committed: its counts, and status 'staged' (it may be published now).
update audit.load_batch
set received = %(received)s,
    quarantined = %(quarantined)s,
    out_of_area = %(out_of_area)s,
    status = 'staged'
where batch_id = %(batch_id)s
  and status = any(%(allowed)s::text[])
