-- After staging a batch: statistics that know it. A new batch id is unknown to the last ones, and
-- the planner, counting one staged row, would check each row against every quarantined row of
-- the batch when it is published (a nested loop: a minute for 100 000 rows with 4 000 in quarantine).
analyze staging.{table}
