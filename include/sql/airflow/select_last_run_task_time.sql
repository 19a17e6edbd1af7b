-- Airflow's metadata database (not the warehouse): the task time of a DAG's latest run, for the
-- demo's account of where its wall time went. tasks = first start to last end of its tasks.
with last_run as (
    select run_id
    from dag_run
    where dag_id = %(dag_id)s
    order by id desc
    limit 1
), tis as (
    select ti.task_id, ti.start_date, ti.end_date, coalesce(ti.duration, 0) as duration
    from task_instance ti
    join last_run using (run_id)
    where ti.dag_id = %(dag_id)s
)
select
    extract(epoch from max(end_date) - min(start_date))::float8 as tasks_seconds,
    (select task_id from tis order by duration desc limit 1) as slowest_task,
    max(duration)::float8 as slowest_seconds
from tis
