-- The occupational outlook: a shortage index per year, half-year, county and SSYK 2012 unit group.
insert into core.occupational_outlook (year, half, county_code, ssyk4, shortage_index, assessment, last_batch_id)
select
    y.year,
    h.half,
    c.county_code,
    o.ssyk_code,
    round((1 + 4 * random())::numeric, 2),
    'bench',
    %(batch_id)s
from generate_series(%(first_year)s::integer, %(last_year)s::integer) as y (year)
cross join (values (1), (2)) as h (half)
cross join core.county as c
cross join core.occupation as o
where o.ssyk_level = 4 and o.retired_at is null and c.retired_at is null
