-- Registered job seekers per month, municipality and group for every municipality of the country.
insert into core.jobseekers_monthly (month, municipality_code, group_code, jobseekers, last_batch_id)
select
    mo.month,
    mu.municipality_code,
    g.group_code,
    floor(
        (50 + 4000 * power(random(), 3))
        * case g.group_code when 'total' then 1 when 'long_term_12m' then 0.35 when 'foreign_born' then 0.45
            when 'youth_18_24' then 0.12 else 0.2 end
    )::integer,
    %(batch_id)s
from core.month as mo
cross join core.municipality as mu
cross join core.jobseeker_group as g
where mo.month >= %(first_month)s and mo.month <= %(last_month)s and mu.retired_at is null
