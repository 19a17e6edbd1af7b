-- Link each Skolverket YH event to the MYH programme that is the same education (rule in
-- docs/upstreams/myh.md): the same provider name and title, case and spacing ignored, and the
-- event's municipality among the programme's. Of several rounds that match, the newest whose first
-- intakes start no later than the event wins. Runs after either source publishes; only links that
-- change are written, so a rerun writes nothing.
with programme as (
    select
        o.offering_id,
        o.start_date,
        om.municipality_code,
        lower(regexp_replace(trim(o.offering_name), '\s+', ' ', 'g')) as title,
        lower(regexp_replace(trim(p.provider_name), '\s+', ' ', 'g')) as provider
    from core.education_offering as o
    inner join core.education_provider as p on p.provider_id = o.provider_id
    inner join core.education_offering_municipality as om on om.offering_id = o.offering_id
    where o.source = 'myh'
),

event as (
    select
        o.offering_id,
        o.municipality_code,
        coalesce(o.start_date, make_date(substr(o.start_semester, 3)::integer, 1, 1)) as starts,
        lower(regexp_replace(trim(o.offering_name), '\s+', ' ', 'g')) as title,
        lower(regexp_replace(trim(p.provider_name), '\s+', ' ', 'g')) as provider
    from core.education_offering as o
    inner join core.education_provider as p on p.provider_id = o.provider_id
    where o.source = 'skolverket' and p.provider_type = 'yrkeshogskola'
),

best as (
    select distinct on (e.offering_id)
        e.offering_id,
        pr.offering_id as programme_id
    from event as e
    inner join programme as pr
        on pr.title = e.title and pr.provider = e.provider and pr.municipality_code = e.municipality_code
    order by
        e.offering_id,
        (pr.start_date <= coalesce(e.starts, pr.start_date)) desc,
        pr.start_date desc,
        pr.offering_id
),

target as (
    select
        e.offering_id,
        b.programme_id
    from event as e
    left join best as b on b.offering_id = e.offering_id
)

update core.education_offering as o
set same_as_offering_id = t.programme_id
from target as t
where o.offering_id = t.offering_id
  and o.same_as_offering_id is distinct from t.programme_id
