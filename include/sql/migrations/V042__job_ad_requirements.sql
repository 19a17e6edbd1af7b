-- Job ads from the enriched JobTech archives and JobStream: requirements and enrichment kept per ad,
-- and removals of ads the warehouse never held kept in the audit.

-- staging: what the parsers now read besides the ad itself. `enrichment` carries the ad's
-- keywords and must_have / nice_to_have as one JSON text; publish spreads it into child tables.
alter table staging.job_ad
    add column occupation_field_concept_id text,
    add column occupation_field_label text,
    add column experience_required boolean,
    add column driving_license_required boolean,
    add column access_to_own_car boolean,
    add column enrichment text;

alter table core.job_ad
    add column occupation_field_concept_id text,
    add column occupation_field_label text,
    add column experience_required boolean,
    add column driving_license_required boolean,
    add column access_to_own_car boolean;

comment on column core.job_ad.occupation_field_concept_id is
    'Yrkesområde, JobTech-taxonomins begrepps-id / occupation field concept id';
comment on column core.job_ad.occupation_field_label is 'Yrkesområde / occupation field label';
comment on column core.job_ad.experience_required is 'Erfarenhet krävs / the ad requires experience (NULL: not said)';
comment on column core.job_ad.driving_license_required is 'Körkort krävs / a driving licence is required';
comment on column core.job_ad.access_to_own_car is 'Tillgång till egen bil krävs / access to an own car is required';

-- Keywords JobTech's enrichment found in the ad text: one row per ad, origin, type and term.
create table core.job_ad_keyword (
    ad_id           text not null references core.job_ad on delete cascade,
    origin          text not null check (origin in ('enriched', 'extracted')),
    keyword_type    text not null,
    term            text not null,
    primary key (ad_id, origin, keyword_type, term)
);
create index job_ad_keyword_term on core.job_ad_keyword (keyword_type, term);
comment on table core.job_ad_keyword is
    'Nyckelord i platsannonser (JobTech JobAd Enrichments) / keywords found in a job ad, one row '
    'per ad, origin, type and term; join core.job_ad on ad_id for county, month and SSYK';
comment on column core.job_ad_keyword.ad_id is 'Annons-id (core.job_ad) / the ad';
comment on column core.job_ad_keyword.origin is
    'enriched (keywords.enriched: JobTech''s selection) or extracted (keywords.extracted: every term found)';
comment on column core.job_ad_keyword.keyword_type is
    'Typ: occupation, skill, trait, location, compound, ... as the source names it';
comment on column core.job_ad_keyword.term is 'Termen, gemener som i källan / the term, lower case as given';

-- Requirements the employer states: must_have / nice_to_have skills, languages, work experiences, ...
create table core.job_ad_requirement (
    ad_id           text not null references core.job_ad on delete cascade,
    requirement     text not null check (requirement in ('must_have', 'nice_to_have')),
    kind            text not null,
    concept_key     text not null,
    concept_id      text,
    label           text,
    weight          integer,
    primary key (ad_id, requirement, kind, concept_key)
);
create index job_ad_requirement_concept on core.job_ad_requirement (kind, concept_id);
comment on table core.job_ad_requirement is
    'Krav i platsannonser / requirements of a job ad (must_have, nice_to_have), one row per ad, '
    'requirement, kind and concept; join core.job_ad on ad_id for county, month and SSYK';
comment on column core.job_ad_requirement.ad_id is 'Annons-id (core.job_ad) / the ad';
comment on column core.job_ad_requirement.requirement is 'must_have (krav) or nice_to_have (meriterande)';
comment on column core.job_ad_requirement.kind is
    'Slag, som källans lista heter: skills, languages, work_experiences, education, education_level, ...';
comment on column core.job_ad_requirement.concept_key is
    'concept_id, else the label when the source gives no id: the key within an ad';
comment on column core.job_ad_requirement.concept_id is 'JobTech-taxonomins begrepps-id / taxonomy concept id';
comment on column core.job_ad_requirement.label is 'Benämning / label as given in the ad';
comment on column core.job_ad_requirement.weight is 'Vikt enligt JobTech / weight as given (e.g. 10 must, 5 nice)';

-- JobStream removals of ads the warehouse never held: counted and kept, never an ad of their own.
create table audit.job_ad_unknown_removal (
    batch_id        bigint not null references audit.load_batch,
    ad_id           text not null,
    removed_at      timestamptz,
    changed_at      timestamptz,
    county_code     text,
    primary key (batch_id, ad_id)
);
comment on table audit.job_ad_unknown_removal is
    'Avpubliceringar av annonser som lagret aldrig haft / JobStream removals of ads never held, per batch';
