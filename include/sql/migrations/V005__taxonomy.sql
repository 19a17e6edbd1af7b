-- JobTech Taxonomy keeps the county, municipality and occupation dimensions in step.
-- Codes are never deleted: a code the taxonomy retires keeps its row (facts refer to it) and
-- gets retired_at; a code that comes back is reopened.

alter table core.county add column concept_id text unique;
alter table core.county add column retired_at date;
alter table core.municipality add column concept_id text unique;
comment on column core.county.concept_id is 'JobTech Taxonomy concept id (region)';
comment on column core.municipality.concept_id is 'JobTech Taxonomy concept id (municipality)';
comment on column core.occupation.retired_at is 'when JobTech Taxonomy stopped listing the code (NULL while current)';
comment on column core.municipality.retired_at is 'when JobTech Taxonomy stopped listing the code (NULL while current)';

create unlogged table staging.taxonomy_concept (
    batch_id        bigint not null,
    record_no       integer not null,
    kind            text,       -- county | municipality | occupation
    code            text,
    level           smallint,   -- SSYK level 1-4 for occupations
    label           text,
    concept_id      text,
    deprecated      boolean,
    primary key (batch_id, record_no)
);
