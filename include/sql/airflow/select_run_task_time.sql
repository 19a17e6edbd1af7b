-- Airflow's metadata database (not the warehouse): the task time of one DAG run, for the demo's
-- account of where its wall time went. tasks = first start to last end of the run's tasks.
with tis as (
    select task_id, start_date, end_date, coalesce(duration, 0) as duration
    from task_instance
    where dag_id = %(dag_id)s and run_id = %(run_id)s
)
select
    extract(epoch from max(end_date) - min(start_date))::float8 as tasks_seconds,
    (select task_id from tis order by duration desc limit 1) as slowest_task,
    max(duration)::float8 as slowest_seconds
from tis
