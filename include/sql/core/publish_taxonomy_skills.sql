-- Merge one snapshot of the taxonomy's skills into core.skill and core.skill_esco_match.
-- Skills are never deleted: a deprecated skill, or one the snapshot no longer lists, gets
-- retired_at (the batch's date) and keeps its row; a skill listed again is reopened. The ESCO
-- mappings follow (core/publish_taxonomy_skill_matches, same transaction). Keys held in
-- quarantine are neither changed nor retired.
with batch as (
    select started_at::date as as_of from audit.load_batch where batch_id = %(batch_id)s
),

latest as (
    select
        concept_id,
        label,
        headline_concept_id,
        headline_label,
        replaced_by_concept_id,
        case when deprecated then (select as_of from batch) end as retired_at
    from passing_batch
),

held as (
    select natural_key from quarantine.record where batch_id = %(batch_id)s
),

upsert_skill as (
    insert into core.skill as s (
        concept_id, label_sv, headline_concept_id, headline_sv, replaced_by_concept_id, retired_at,
        first_batch_id, last_batch_id
    )
    select
        concept_id, label, headline_concept_id, headline_label, replaced_by_concept_id, retired_at,
        %(batch_id)s, %(batch_id)s
    from latest
    on conflict (concept_id) do update
    set label_sv = excluded.label_sv,
        headline_concept_id = excluded.headline_concept_id,
        headline_sv = excluded.headline_sv,
        replaced_by_concept_id = excluded.replaced_by_concept_id,
        retired_at = case when excluded.retired_at is null then null else coalesce(s.retired_at, excluded.retired_at) end,
        last_batch_id = excluded.last_batch_id
    where (s.label_sv, s.headline_concept_id, s.headline_sv, s.replaced_by_concept_id, s.retired_at is null)
          is distinct from (excluded.label_sv, excluded.headline_concept_id, excluded.headline_sv,
                            excluded.replaced_by_concept_id, excluded.retired_at is null)
    returning 'skill' as changed
),

retire_skill as (
    update core.skill as s
    set retired_at = (select as_of from batch), last_batch_id = %(batch_id)s
    where s.retired_at is null
      and not exists (select from latest as l where l.concept_id = s.concept_id)
      and not exists (select from held as h where h.natural_key = s.concept_id)
    returning 'skill' as changed
)

-- one row per skill changed; the ESCO mappings follow in core/publish_taxonomy_skill_matches
select changed from upsert_skill
union all select changed from retire_skill
