-- Skills as a dimension: JobTech Taxonomy's skill concepts with their ESCO mappings (feed
-- taxonomy_skills), and the one rule that links a skill term found in an ad to a concept.
-- A skill is never deleted: one the taxonomy deprecates or no longer lists keeps its row with
-- retired_at, so what ads said about it stays countable.

create unlogged table staging.taxonomy_skill (
    batch_id                bigint not null,
    record_no               integer not null,
    concept_id              text,
    label                   text,
    headline_concept_id     text,
    headline_label          text,
    deprecated              boolean,
    replaced_by_concept_id  text,
    esco_matches            text,       -- JSON array of {relation, esco_uri, esco_concept_id, esco_label}
    primary key (batch_id, record_no)
);

-- The link rule's key (docs/skills.md): Unicode NFC, trimmed, runs of white space as one space,
-- lower case. Equal keys name the same skill; nothing fuzzier (no stemming, no spelling distance).
create function core.skill_label_key(label text) returns text
    language sql immutable strict parallel safe
    return lower(btrim(regexp_replace(normalize(label, nfc), '\s+', ' ', 'g')));
comment on function core.skill_label_key(text) is
    'Nyckel för att koppla en kompetensterm till ett begrepp (NFC, trimmad, ett blanksteg, gemener) / '
    'key that links a skill term to a concept (NFC, trimmed, single spaces, lower case)';

create table core.skill (
    concept_id              text primary key,
    label_sv                text not null,
    label_key               text generated always as (core.skill_label_key(label_sv)) stored,
    headline_concept_id     text,
    headline_sv             text,
    replaced_by_concept_id  text,
    retired_at              date,
    first_batch_id          bigint not null references audit.load_batch,
    last_batch_id           bigint not null references audit.load_batch
);
create index skill_label_key on core.skill (label_key);
comment on table core.skill is
    'Kompetensbegrepp i JobTech Taxonomy (typ skill) / skill concepts of JobTech Taxonomy (type skill)';
comment on column core.skill.concept_id is 'Taxonomins begrepps-id / the taxonomy''s concept id';
comment on column core.skill.label_sv is 'Föredragen benämning / preferred label';
comment on column core.skill.label_key is
    'Benämningens nyckel enligt kopplingsregeln (core.skill_label_key) / the label''s key under the link rule';
comment on column core.skill.headline_concept_id is
    'Kompetensrubrikens begrepps-id (skill-headline) / concept id of the skill headline';
comment on column core.skill.headline_sv is 'Kompetensrubrik / skill headline';
comment on column core.skill.replaced_by_concept_id is
    'Begreppet som ersätter ett avvecklat begrepp / the concept that replaces a deprecated one';
comment on column core.skill.retired_at is
    'När taxonomin avvecklade eller slutade lista begreppet (NULL medan aktuellt) / '
    'when the taxonomy deprecated or stopped listing the concept (NULL while current)';
comment on column core.skill.first_batch_id is 'Laddningen som först gav begreppet / batch that first loaded it';
comment on column core.skill.last_batch_id is 'Laddningen som senast ändrade begreppet / batch that last changed it';

create table core.skill_esco_match (
    concept_id          text not null references core.skill,
    relation            text not null check (relation in ('exact-match', 'close-match', 'broad-match', 'narrow-match')),
    esco_uri            text not null check (esco_uri like 'http://data.europa.eu/esco/%'),
    esco_concept_id     text,
    esco_label          text,
    last_batch_id       bigint not null references audit.load_batch,
    primary key (concept_id, relation, esco_uri)
);
comment on table core.skill_esco_match is
    'Kompetensbegreppens mappning till ESCO, där taxonomin ger en / '
    'the skills'' mapping to ESCO skills, where the taxonomy gives one';
comment on column core.skill_esco_match.concept_id is 'Kompetensbegrepp (core.skill) / skill concept (core.skill)';
comment on column core.skill_esco_match.relation is
    'SKOS-relation: exact-match, close-match, broad-match (ESCO bredare), narrow-match (ESCO smalare) / '
    'SKOS mapping relation: exact-, close-, broad- (ESCO is broader), narrow-match (ESCO is narrower)';
comment on column core.skill_esco_match.esco_uri is 'ESCO-kompetensens URI / the ESCO skill''s URI';
comment on column core.skill_esco_match.esco_concept_id is
    'ESCO-kompetensens begrepps-id i taxonomin / the ESCO skill''s concept id in the taxonomy';
comment on column core.skill_esco_match.esco_label is 'ESCO-kompetensens benämning / the ESCO skill''s label';
comment on column core.skill_esco_match.last_batch_id is 'Laddningen som senast ändrade raden / batch that last changed it';

-- The link rule, for ids: a concept the taxonomy retired with a replacement counts as the
-- replacement, so a skill keeps one series across the change.
create view core.skill_effective as
select
    s.concept_id,
    case when s.retired_at is not null and r.concept_id is not null then r.concept_id else s.concept_id end
        as effective_concept_id
from core.skill as s
left join core.skill as r on r.concept_id = s.replaced_by_concept_id;
comment on view core.skill_effective is
    'Kompetensbegrepp och begreppet de räknas som (ersättaren när begreppet avvecklats) / '
    'each skill concept and the concept it counts as (its replacement once deprecated)';
comment on column core.skill_effective.concept_id is 'Kompetensbegrepp / skill concept';
comment on column core.skill_effective.effective_concept_id is
    'Begreppet det räknas som / the concept it counts as';

-- The link rule, for terms: a term's key names a concept when exactly one concept has it,
-- current concepts first (a retired one counts as its replacement); a key that two current
-- concepts share, or that no concept has, links to nothing and the term stays a term.
create view core.skill_label as
with candidates as (
    select
        s.label_key,
        e.effective_concept_id,
        s.retired_at is null as current,
        min(case when s.retired_at is null then 0 else 1 end) over (partition by s.label_key) as best
    from core.skill as s
    inner join core.skill_effective as e using (concept_id)
)

select label_key, min(effective_concept_id) as concept_id
from candidates
where (case when current then 0 else 1 end) = best
group by label_key
having count(distinct effective_concept_id) = 1;
comment on view core.skill_label is
    'Kopplingsregeln: nyckel till det enda begrepp som har den (docs/skills.md) / '
    'the link rule: a key and the one concept that has it (docs/skills.md)';
comment on column core.skill_label.label_key is 'Nyckel (core.skill_label_key) / key (core.skill_label_key)';
comment on column core.skill_label.concept_id is 'Begreppet nyckeln kopplas till / the concept the key links to';
