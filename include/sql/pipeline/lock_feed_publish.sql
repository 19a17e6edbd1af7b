-- Wait for any other merge of the same feed and part, until this transaction ends.
select pg_advisory_xact_lock(hashtext('vagled.publish'), hashtext(b.feed || '/' || coalesce(b.partition_key, '')))
from audit.load_batch as b
where b.batch_id = %(batch_id)s
