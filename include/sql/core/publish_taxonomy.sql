-- Merge one JobTech Taxonomy snapshot into the county, municipality and occupation dimensions.
-- Rows are never deleted: a deprecated code, or one the snapshot no longer lists, gets
-- retired_at (the batch's date) and keeps its row for the facts that refer to it; a code that
-- is listed again is reopened. Keys held in quarantine are neither changed nor retired.
-- One statement (data-modifying CTEs on disjoint rows), so the whole snapshot applies at once.
with batch as (
    select started_at::date as as_of from audit.load_batch where batch_id = %(batch_id)s
),

latest as (
    select
        kind,
        code,
        level,
        label,
        concept_id,
        case when deprecated then (select as_of from batch) end as retired_at
    from passing_batch
),

held as (
    select natural_key from quarantine.record where batch_id = %(batch_id)s
),

upsert_county as (
    -- a county new to the dimension is outside the area until configuration says otherwise
    insert into core.county as c (county_code, county_name, in_area, concept_id, retired_at)
    select code, label, false, concept_id, retired_at
    from latest where kind = 'county'
    on conflict (county_code) do update
    set county_name = excluded.county_name,
        concept_id = excluded.concept_id,
        retired_at = case when excluded.retired_at is null then null else coalesce(c.retired_at, excluded.retired_at) end
    where (c.county_name, c.concept_id, c.retired_at is null)
          is distinct from (excluded.county_name, excluded.concept_id, excluded.retired_at is null)
    returning 'county' as dimension
),

upsert_municipality as (
    insert into core.municipality as m (municipality_code, municipality_name, county_code, in_area, concept_id, retired_at)
    select l.code, l.label, left(l.code, 2), coalesce(c.in_area, false), l.concept_id, l.retired_at
    from latest as l
    left join core.county as c on c.county_code = left(l.code, 2)
    where l.kind = 'municipality'
    on conflict (municipality_code) do update
    set municipality_name = excluded.municipality_name,
        concept_id = excluded.concept_id,
        retired_at = case when excluded.retired_at is null then null else coalesce(m.retired_at, excluded.retired_at) end
    where (m.municipality_name, m.concept_id, m.retired_at is null)
          is distinct from (excluded.municipality_name, excluded.concept_id, excluded.retired_at is null)
    returning 'municipality' as dimension
),

upsert_occupation as (
    insert into core.occupation as o (ssyk_code, ssyk_level, label_sv, parent_code, concept_id, retired_at)
    select code, level, label, nullif(left(code, level - 1), ''), concept_id, retired_at
    from latest where kind = 'occupation'
    on conflict (ssyk_code) do update
    set label_sv = excluded.label_sv,
        concept_id = excluded.concept_id,
        retired_at = case when excluded.retired_at is null then null else coalesce(o.retired_at, excluded.retired_at) end
    where (o.label_sv, o.concept_id, o.retired_at is null)
          is distinct from (excluded.label_sv, excluded.concept_id, excluded.retired_at is null)
    returning 'occupation' as dimension
),

retire_county as (
    update core.county as c
    set retired_at = (select as_of from batch)
    where c.retired_at is null
      and not exists (select from latest as l where l.kind = 'county' and l.code = c.county_code)
      and not exists (select from held as h where h.natural_key = 'county|' || c.county_code)
    returning 'county' as dimension
),

retire_municipality as (
    update core.municipality as m
    set retired_at = (select as_of from batch)
    where m.retired_at is null
      and not exists (select from latest as l where l.kind = 'municipality' and l.code = m.municipality_code)
      and not exists (select from held as h where h.natural_key = 'municipality|' || m.municipality_code)
    returning 'municipality' as dimension
),

retire_occupation as (
    update core.occupation as o
    set retired_at = (select as_of from batch)
    where o.retired_at is null
      and not exists (select from latest as l where l.kind = 'occupation' and l.code = o.ssyk_code)
      and not exists (select from held as h where h.natural_key = 'occupation|' || o.ssyk_code)
    returning 'occupation' as dimension
)

-- one row per dimension row changed, so the caller's row count says how much moved
select dimension from upsert_county
union all select dimension from upsert_municipality
union all select dimension from upsert_occupation
union all select dimension from retire_county
union all select dimension from retire_municipality
union all select dimension from retire_occupation
