-- Merge one validated batch of monthly job-seeker counts; the last record per key wins.
with passing as (
    select s.*
    from staging.jobseekers_monthly as s
    where s.batch_id = %(batch_id)s
      and not exists (
          select from quarantine.record as q
          where q.batch_id = s.batch_id and q.record_no = s.record_no
      )
),

latest as (
    select distinct on (month, municipality_code, group_code) *
    from passing
    order by month, municipality_code, group_code, record_no desc
)

insert into core.jobseekers_monthly as j (month, municipality_code, group_code, jobseekers, last_batch_id)
select month, municipality_code, group_code, jobseekers, batch_id
from latest
on conflict (month, municipality_code, group_code) do update
set jobseekers = excluded.jobseekers,
    last_batch_id = excluded.last_batch_id
where j.jobseekers is distinct from excluded.jobseekers
