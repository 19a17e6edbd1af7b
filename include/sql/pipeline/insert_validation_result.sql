insert into audit.validation_result
    (batch_id, suite, success, rows_validated, rows_failed, statistics, summary)
values
    (%(batch_id)s, %(suite)s, %(success)s, %(rows_validated)s, %(rows_failed)s, %(statistics)s, %(summary)s)
on conflict (batch_id, suite) do update
set success = excluded.success,
    rows_validated = excluded.rows_validated,
    rows_failed = excluded.rows_failed,
    statistics = excluded.statistics,
    summary = excluded.summary,
    validated_at = now()
