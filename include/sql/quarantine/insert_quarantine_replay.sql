insert into audit.quarantine_replay
    (replay_batch_id, source_batch_id, feed, replayed_by, note, suite, suite_sha256,
     records_replayed, loaded, still_quarantined, duplicates)
values
    (%(replay_batch_id)s, %(source_batch_id)s, %(feed)s, %(replayed_by)s, %(note)s, %(suite)s, %(suite_sha256)s,
     %(records_replayed)s, %(loaded)s, %(still_quarantined)s, %(duplicates)s)
