-- Every declared feed's freshness (and per county, for feeds loaded per municipality) as of a moment.
select
    feed,
    county_code,
    dag_id,
    max_age,
    last_success_at,
    last_batch_id,
    last_batch_status,
    rows_last_batch,
    quarantined_last,
    validation_pass_rate,
    parts,
    stale_parts,
    status
from mart.feed_freshness_at(%(as_of)s)
