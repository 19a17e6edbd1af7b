-- Merge one validated batch of job-seeker cells: sums per month, area and group.
-- Only the months of the batch's period are published (the first load covers the whole series, a
-- later one its new month, a manual reload the months it names), although every workbook holds the
-- whole series. A cell given twice (same workbook, field and key) counts once.
with batch as (
    select
        (interval_start at time zone 'Europe/Stockholm')::date as first_month,
        (interval_end at time zone 'Europe/Stockholm')::date as end_month
    from audit.load_batch
    where batch_id = %(batch_id)s
),

passing as (
    select p.*
    from passing_batch as p
    cross join batch as b
    where p.month >= coalesce(b.first_month, '-infinity'::date)
      and p.month < coalesce(b.end_month, 'infinity'::date)
),

cells as (
    select
        month, county_code, municipality_code,
        case when group_label is null then dimension else dimension || ':' || group_label end as group_code,
        count_min, count_max, below_five_cells
    from passing
    union all
    -- the age cache holds every unemployed person once: the total and the sexes come from it
    select month, county_code, municipality_code, 'total', count_min, count_max, below_five_cells
    from passing
    where workbook = 'web-sok-lan-kom' and field = 'ALDGR'
    union all
    select month, county_code, municipality_code, 'sex:' || sex, count_min, count_max, below_five_cells
    from passing
    where workbook = 'web-sok-lan-kom' and field = 'ALDGR' and sex is not null
),

areas as (
    select month, municipality_code as area_code, 'municipality' as area_level, group_code,
        count_min, count_max, below_five_cells
    from cells
    where municipality_code is not null
    union all
    -- a county is the sum of its rows, the residual "Uppgift saknas" rows included
    select month, county_code, 'county', group_code, count_min, count_max, below_five_cells
    from cells
    where county_code <> '00'
    union all
    -- the nation rows are the parser's sums of every raw row of the workbook
    select month, '00', 'nation', group_code, count_min, count_max, below_five_cells
    from cells
    where county_code = '00'
),

sums as (
    select month, area_code, area_level, group_code,
        sum(count_min) as count_min, sum(count_max) as count_max, sum(below_five_cells) as below_five_cells
    from areas
    group by month, area_code, area_level, group_code
)

insert into core.jobseekers_monthly as j (
    month, area_code, area_level, group_code, count_min, count_max, below_five_cells, last_batch_id
)
select month, area_code, area_level, group_code, count_min, count_max, below_five_cells, %(batch_id)s
from sums
on conflict (month, area_code, group_code) do update
set count_min = excluded.count_min,
    count_max = excluded.count_max,
    below_five_cells = excluded.below_five_cells,
    area_level = excluded.area_level,
    last_batch_id = excluded.last_batch_id
where (j.count_min, j.count_max, j.below_five_cells) is distinct from
      (excluded.count_min, excluded.count_max, excluded.below_five_cells)
