-- Registered unemployed per month, municipality and group for every municipality of the country
-- (the groups core.jobseeker_group holds; small counts appear as they do in the statistics).
insert into core.jobseekers_monthly (month, area_code, area_level, group_code, count_min, count_max, last_batch_id)
select
    mo.month,
    mu.municipality_code,
    'municipality',
    g.group_code,
    n.value,
    n.value,
    %(batch_id)s
from core.month as mo
cross join core.municipality as mu
cross join core.jobseeker_group as g
cross join lateral (
    select floor(
        (50 + 4000 * power(random(), 3))
        * case g.dimension when 'total' then 1 when 'labour_force' then 15 else 0.3 end
    )::bigint as value
) as n
where mo.month >= %(first_month)s and mo.month <= %(last_month)s and mu.retired_at is null
