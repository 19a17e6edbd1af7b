-- After core/publish_taxonomy_skills, same transaction: the ESCO mappings of every skill the
-- batch published become exactly the snapshot's (new ones added, changed ones updated, ones the
-- taxonomy dropped removed: a mapping is the taxonomy's current statement, not a fact with a
-- history). Skills held in quarantine keep their mappings.
with latest as (
    select concept_id, esco_matches
    from passing_batch
),

matches as (
    select distinct on (l.concept_id, m.relation, m.esco_uri)
        l.concept_id,
        m.relation,
        m.esco_uri,
        m.esco_concept_id,
        m.esco_label
    from latest as l
    cross join lateral jsonb_to_recordset(l.esco_matches::jsonb)
        as m (relation text, esco_uri text, esco_concept_id text, esco_label text)
    where m.esco_uri is not null
    order by l.concept_id, m.relation, m.esco_uri
),

dropped as (
    delete from core.skill_esco_match as e
    using latest as l
    where e.concept_id = l.concept_id
      and not exists (
          select from matches as m
          where m.concept_id = e.concept_id and m.relation = e.relation and m.esco_uri = e.esco_uri
      )
    returning 1
),

upserted as (
    insert into core.skill_esco_match as e (concept_id, relation, esco_uri, esco_concept_id, esco_label, last_batch_id)
    select concept_id, relation, esco_uri, esco_concept_id, esco_label, %(batch_id)s
    from matches
    on conflict (concept_id, relation, esco_uri) do update
    set esco_concept_id = excluded.esco_concept_id,
        esco_label = excluded.esco_label,
        last_batch_id = excluded.last_batch_id
    where (e.esco_concept_id, e.esco_label) is distinct from (excluded.esco_concept_id, excluded.esco_label)
    returning 1
)

select count(*) from dropped
union all select count(*) from upserted
