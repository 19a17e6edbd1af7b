update audit.load_batch
set received = %(received)s,
    quarantined = %(quarantined)s,
    out_of_area = %(out_of_area)s
where batch_id = %(batch_id)s
