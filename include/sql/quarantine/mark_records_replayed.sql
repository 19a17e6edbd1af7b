update quarantine.record
set replayed_batch_id = %(replay_batch_id)s
where batch_id = %(batch_id)s
  and record_no = any(%(record_nos)s::integer[])
  and replayed_batch_id is null
