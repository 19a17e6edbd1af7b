-- Merge one validated batch of education offerings (a Skolverket weekly snapshot or MYH's
-- programmes) into core.education_offering.
-- The snapshot's date is the end of the batch's period. A snapshot changes an offering only when it
-- is not older than the newest snapshot that listed or closed it, so a backfill of an older week
-- never undoes a newer one; an offering listed again after it was closed is reopened. Rows whose
-- values and sighting are unchanged are not rewritten, so a rerun of a week writes nothing.
with snapshot as (
    select (b.interval_end at time zone 'Europe/Stockholm')::date as snapshot_on
    from audit.load_batch as b
    where b.batch_id = %(batch_id)s
),

newest as (
    select max(o.last_seen_on) as seen_on
    from core.education_offering as o
),

incoming as (
    select
        l.*,
        p.provider_id,
        snapshot.snapshot_on,
        -- first met in a snapshot older than the newest loaded: the newest one no longer listed it
        case when newest.seen_on > snapshot.snapshot_on then newest.seen_on end as closed_on
    from passing_batch as l
    cross join snapshot
    cross join newest
    inner join core.education_provider as p
        on
            p.organisation_number is not distinct from l.provider_org_number
            and p.provider_name = l.provider_name
            and p.municipality_code = l.municipality_code
)

insert into core.education_offering as o (
    offering_id, offering_code, offering_name, provider_id, sun_field_code, education_level,
    municipality_code, start_date, end_date, pace_percent, is_distance, places, language,
    source_updated, url, first_seen_on, last_seen_on, closed_on, first_batch_id, last_batch_id,
    source, start_semester, application_deadline, type_of_school
)
select
    offering_id, offering_code, offering_name, provider_id, sun_field_code, education_level,
    municipality_code, start_date, end_date, pace_percent, is_distance, places, language,
    source_updated, url, snapshot_on, snapshot_on, closed_on, batch_id, batch_id,
    source, start_semester, application_deadline, type_of_school
from incoming
on conflict (offering_id) do update
set offering_code = excluded.offering_code,
    offering_name = excluded.offering_name,
    provider_id = excluded.provider_id,
    sun_field_code = excluded.sun_field_code,
    education_level = excluded.education_level,
    municipality_code = excluded.municipality_code,
    start_date = excluded.start_date,
    end_date = excluded.end_date,
    pace_percent = excluded.pace_percent,
    is_distance = excluded.is_distance,
    places = excluded.places,
    language = excluded.language,
    source_updated = excluded.source_updated,
    url = excluded.url,
    last_seen_on = excluded.last_seen_on,
    source = excluded.source,
    start_semester = excluded.start_semester,
    application_deadline = excluded.application_deadline,
    type_of_school = excluded.type_of_school,
    closed_on = null,
    last_batch_id = excluded.last_batch_id
where excluded.last_seen_on >= coalesce(o.closed_on, o.last_seen_on)
  and (
      o.offering_code, o.offering_name, o.provider_id, o.sun_field_code, o.education_level,
      o.municipality_code, o.start_date, o.end_date, o.pace_percent, o.is_distance, o.places,
      o.language, o.source_updated, o.url, o.last_seen_on, o.closed_on, o.source, o.start_semester,
      o.application_deadline, o.type_of_school
  ) is distinct from (
      excluded.offering_code, excluded.offering_name, excluded.provider_id, excluded.sun_field_code,
      excluded.education_level, excluded.municipality_code, excluded.start_date, excluded.end_date,
      excluded.pace_percent, excluded.is_distance, excluded.places, excluded.language,
      excluded.source_updated, excluded.url, excluded.last_seen_on, null::date, excluded.source,
      excluded.start_semester, excluded.application_deadline, excluded.type_of_school
  )
