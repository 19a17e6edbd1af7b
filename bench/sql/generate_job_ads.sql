-- Job ads at national volume over a span of days, without free text: what the marts read.
-- Every municipality of the country, skewed so that a few large ones hold most ads (as the real
-- ones do), one in fifty naming only the county; every current SSYK 2012 unit group, skewed likewise.
with municipalities as (
    select array_agg(municipality_code order by municipality_code) as codes
    from core.municipality
    where retired_at is null
),

occupations as (
    select array_agg(ssyk_code order by ssyk_code) as codes
    from core.occupation
    where ssyk_level = 4 and retired_at is null
),

ads as (
    select
        g.n,
        %(first_day)s::timestamptz + random() * %(days)s * interval '1 day' as published,
        m.codes[1 + floor(power(random(), 2.2) * cardinality(m.codes))::integer] as municipality_code,
        o.codes[1 + floor(power(random(), 1.8) * cardinality(o.codes))::integer] as ssyk4,
        random() < 0.02 as county_only,
        random() as chance
    from generate_series(1, %(ads)s) as g (n)
    cross join municipalities as m
    cross join occupations as o
)

insert into core.job_ad (
    ad_id, headline, employer_name, employer_org_number, ssyk4, occupation_concept_id, occupation_label,
    municipality_code, county_code, number_of_vacancies, publication_date, last_publication_date,
    application_deadline, removed_at, changed_at, employment_type, working_hours_type,
    experience_required, driving_license_required, access_to_own_car,
    first_batch_id, last_batch_id
)
select
    'bench-' || n,
    'Annons ' || n,
    'Arbetsgivare ' || (n %% 60000),
    lpad((5560000000 + n %% 60000)::text, 10, '0'),
    ssyk4,
    null,
    null,
    case when county_only then null else municipality_code end,
    left(municipality_code, 2),
    case when chance < 0.03 then null else 1 + floor(chance * chance * 6)::integer end,
    published,
    published + interval '30 days',
    published + interval '30 days',
    published + (2 + chance * 40) * interval '1 day',
    published + (2 + chance * 40) * interval '1 day',
    case when chance < 0.85 then 'Vanlig anställning' else 'Behovsanställning' end,
    case when chance < 0.75 then 'Heltid' else 'Deltid' end,
    random() < 0.6,
    random() < 0.15,
    random() < 0.1,
    %(batch_id)s,
    %(batch_id)s
from ads
