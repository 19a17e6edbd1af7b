-- The municipalities where the batch's MYH programmes are given (staged as comma-separated codes).
-- Places stay on the programme row; these rows only say where it is given. Rows already right are
-- left alone, so a rerun writes nothing.
with passing as (
    select p.*
    from passing_batch as p
    where p.municipality_codes is not null
),

latest as (
    select distinct on (offering_id)
        offering_id,
        municipality_codes
    from passing
    order by offering_id, record_no desc
),

wanted as (
    select
        l.offering_id,
        unnest(string_to_array(l.municipality_codes, ',')) as municipality_code
    from latest as l
    where exists (select from core.education_offering as o where o.offering_id = l.offering_id)
),

removed as (
    delete from core.education_offering_municipality as om
    where om.offering_id in (select w.offering_id from wanted as w)
      and not exists (
          select from wanted as w
          where w.offering_id = om.offering_id and w.municipality_code = om.municipality_code
      )
    returning om.offering_id
)

insert into core.education_offering_municipality (offering_id, municipality_code)
select offering_id, municipality_code
from wanted
on conflict do nothing
