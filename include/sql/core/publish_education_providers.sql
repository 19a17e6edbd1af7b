-- The providers one validated batch of education offerings names (run before the offerings).
-- A provider is one organisation (NULL when the source gives none), name and municipality;
-- unchanged rows are not rewritten.
with latest as (
    select distinct on (provider_org_number, provider_name, municipality_code)
        provider_org_number,
        provider_name,
        municipality_code,
        provider_type,
        batch_id
    from passing_batch
    order by provider_org_number, provider_name, municipality_code, record_no desc
)

insert into core.education_provider as p (
    organisation_number, provider_name, municipality_code, provider_type, first_batch_id, last_batch_id
)
select provider_org_number, provider_name, municipality_code, provider_type, batch_id, batch_id
from latest
on conflict on constraint education_provider_identity do update
set provider_type = excluded.provider_type,
    last_batch_id = excluded.last_batch_id
where p.provider_type is distinct from excluded.provider_type
