-- Intakes of the providers: each year about as many as the country's schools, Komvux,
-- yrkeshögskolor, folkhögskolor and universities offer.
with fields as (
    select array_agg(sun_field_code order by sun_field_code) as codes
    from core.education_field
    where sun_level >= 3
),

levels as (
    select array_agg(sun_level_code order by sun_level_code) as codes from core.education_level
),

providers as (
    select array_agg(provider_id order by provider_id) as ids from core.education_provider
),

intakes as (
    select
        g.n,
        p.ids[1 + floor(random() * cardinality(p.ids))::integer] as provider_id,
        f.codes[1 + floor(power(random(), 1.5) * cardinality(f.codes))::integer] as sun_field_code,
        l.codes[1 + floor(random() * cardinality(l.codes))::integer] as education_level,
        (%(first_day)s::date + floor(random() * %(days)s)::integer) as start_date,
        random() as chance
    from generate_series(1, %(offerings)s) as g (n)
    cross join fields as f
    cross join levels as l
    cross join providers as p
)

insert into core.education_offering (
    offering_id, offering_code, offering_name, provider_id, sun_field_code, education_level,
    municipality_code, start_date, end_date, pace_percent, is_distance, places,
    first_seen_on, last_seen_on, first_batch_id, last_batch_id, source
)
select
    'bench-' || i.n,
    'K' || i.n,
    'Utbildning ' || i.n,
    i.provider_id,
    i.sun_field_code,
    i.education_level,
    pr.municipality_code,
    i.start_date,
    i.start_date + 180,
    case when i.chance < 0.7 then 100 else 50 end,
    i.chance > 0.9,
    case when i.chance < 0.1 then null else 10 + floor(i.chance * 50)::integer end,
    i.start_date - 120,
    i.start_date - 1,
    %(batch_id)s,
    %(batch_id)s,
    case when pr.provider_type = 'yrkeshogskola' then 'myh' else 'skolverket' end
from intakes as i
inner join core.education_provider as pr on pr.provider_id = i.provider_id
