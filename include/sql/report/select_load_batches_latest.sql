-- The latest batch of every feed, with its reconciliation.
with ranked as (
    select
        feed,
        batch_id,
        status,
        received,
        loaded,
        quarantined,
        duplicates,
        finished_at,
        row_number() over (partition by feed order by batch_id desc) as recency
    from audit.load_batch
)

select feed, batch_id, status, received, loaded, quarantined, duplicates, finished_at
from ranked
where recency = 1
order by feed
