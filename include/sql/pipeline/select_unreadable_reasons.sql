-- Why records of a batch could not be read at all (for the rejection message): a few distinct
-- reasons. Reasons with a detail come from the parser (ParseFailure) or the checks before staging
-- (vagled.pipeline.record_checks), never from the suite.
with unreadable as (
    select distinct r.reason ->> 'detail' as detail
    from quarantine.record as q
    cross join lateral jsonb_array_elements(q.reasons) as r (reason)
    where q.batch_id = %(batch_id)s
      and r.reason ->> 'detail' is not null
)

select detail
from unreadable
order by detail
limit 3
