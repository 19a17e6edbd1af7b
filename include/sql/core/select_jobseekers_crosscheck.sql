-- The unemployed total of each month (from the batch's first month) and area (county of the
-- area, 00 = nation) as reached from the age cache, and from each other workbook or cache that
-- holds every unemployed person once, as ranges; one row per comparison.
with batch as (
    select (interval_start at time zone 'Europe/Stockholm')::date as first_month
    from audit.load_batch
    where batch_id = %(batch_id)s
),

passing as (
    select s.*
    from staging.jobseeker_cell as s
    cross join batch as b
    where s.batch_id = %(batch_id)s
      and s.month >= coalesce(b.first_month, '-infinity'::date)
      and not exists (
          select from quarantine.record as q
          where q.batch_id = s.batch_id and q.record_no = s.record_no
      )
),

totals as (
    select
        month,
        county_code as area,
        workbook || ' ' || field as source,
        sum(count_min) as low,
        sum(count_max) as high
    from passing
    where (workbook = 'web-sok-lan-kom' and field in ('ALDGR', 'FODLGRP', 'UTBILDNING'))
       or workbook = 'web-arbetslosa-yrkesomrade'
    group by month, county_code, workbook, field
)

select
    (row_number() over (order by a.month, a.area, b.source))::integer as record_no,
    a.month, a.area, a.source as source_a, a.low as low_a, a.high as high_a,
    b.source as source_b, b.low as low_b, b.high as high_b
from totals as a
inner join totals as b on b.month = a.month and b.area = a.area and b.source <> a.source
where a.source = 'web-sok-lan-kom ALDGR'
order by a.month, a.area, b.source
