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
from mart.feed_freshness
