-- Education providers in every municipality: one of each kind.
insert into core.education_provider (
    organisation_number, provider_name, municipality_code, provider_type, first_batch_id, last_batch_id
)
select
    lpad((2120000000 + row_number() over ())::text, 10, '0'),
    'Anordnare ' || m.municipality_code || ' ' || t.provider_type,
    m.municipality_code,
    t.provider_type,
    %(batch_id)s,
    %(batch_id)s
from core.municipality as m
cross join (
    values ('gymnasieskola'), ('komvux'), ('yrkeshogskola'), ('folkhogskola'), ('universitet')
) as t (provider_type)
where m.retired_at is null;
