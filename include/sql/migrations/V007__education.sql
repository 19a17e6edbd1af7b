-- Education offerings (weekly snapshots of the providers' catalogues), their providers, and the
-- SUN 2020 -> SSYK 2012 matching table the marts use to compare education supply with demand.

-- Every offering's SUN 2020 field rolled up to each level of the dimension.
create view core.education_field_levels as
with recursive up as (
    select f.sun_field_code, f.sun_field_code as ancestor, f.sun_level as ancestor_level, f.parent_code
    from core.education_field as f
    union all
    select up.sun_field_code, p.sun_field_code, p.sun_level, p.parent_code
    from up
    inner join core.education_field as p on p.sun_field_code = up.parent_code
)

select
    sun_field_code,
    max(ancestor) filter (where ancestor_level = 1) as field_level_1,
    max(ancestor) filter (where ancestor_level = 2) as field_level_2,
    max(ancestor) filter (where ancestor_level = 3) as field_level_3,
    max(ancestor) filter (where ancestor_level = 4) as field_level_4
from up
group by sun_field_code;
comment on view core.education_field_levels is
    'SUN 2020-inriktning med alla överliggande nivåer / each education field with its ancestors at levels 1-4';

-- Which occupations an education leads to, modelled on SCB's matchningskarta (include/reference/README.md).
create table core.education_occupation_match (
    sun_field_code  text not null references core.education_field,
    sun_level_code  text not null references core.education_level,
    ssyk_code       varchar(4) not null references core.occupation,
    match_grade     text not null check (match_grade in ('helt', 'delvis')),
    primary key (sun_field_code, sun_level_code, ssyk_code)
);
create index education_occupation_match_ssyk on core.education_occupation_match (ssyk_code);
comment on table core.education_occupation_match is
    'Matchning utbildning (SUN 2020 inriktning + nivå) -> yrke (SSYK 2012) / education-to-occupation matching';
comment on column core.education_occupation_match.match_grade is
    'helt: stark ämnesmatchning på rätt nivå; delvis: stark ämnesmatchning på annan nivå, eller viss ämnesmatchning';

create table core.education_provider (
    provider_id          bigint generated always as identity primary key,
    organisation_number  text not null check (organisation_number ~ '^[0-9]{10}$'),
    provider_name        text not null,
    municipality_code    char(4) not null references core.municipality,
    provider_type        text not null check (
        provider_type in ('gymnasieskola', 'komvux', 'yrkeshogskola', 'folkhogskola', 'universitet')
    ),
    first_batch_id       bigint not null references audit.load_batch,
    last_batch_id        bigint not null references audit.load_batch,
    unique (organisation_number, provider_name, municipality_code)
);
comment on table core.education_provider is
    'Utbildningsanordnare per kommun / education providers (one row per organisation, name and municipality)';

create unlogged table staging.education_offering (
    batch_id             bigint not null,
    record_no            integer not null,
    offering_id          text,
    offering_code        text,
    offering_name        text,
    provider_name        text,
    provider_org_number  text,
    provider_type        text,
    sun_field_code       text,
    education_level      text,
    municipality_code    text,
    start_date           date,
    end_date             date,
    pace_percent         integer,
    is_distance          boolean,
    places               integer,
    language             text,
    source_updated       date,
    url                  text,
    personal_number_found boolean not null default false,
    primary key (batch_id, record_no)
);

create table core.education_offering (
    offering_id        text primary key,
    offering_code      text,
    offering_name      text not null,
    provider_id        bigint not null references core.education_provider,
    sun_field_code     text not null references core.education_field,
    education_level    text not null references core.education_level,
    municipality_code  char(4) not null references core.municipality,
    start_date         date not null,
    end_date           date,
    pace_percent       smallint check (pace_percent between 1 and 100),
    is_distance        boolean not null,
    places             integer check (places >= 0),
    language           text,
    source_updated     date,
    url                text,
    first_seen_on      date not null,
    last_seen_on       date not null,
    closed_on          date,
    first_batch_id     bigint not null references audit.load_batch,
    last_batch_id      bigint not null references audit.load_batch,
    check (first_seen_on <= last_seen_on),
    check (closed_on is null or closed_on > last_seen_on)
);
create index education_offering_place_field on core.education_offering (municipality_code, sun_field_code);
create index education_offering_open on core.education_offering (last_seen_on) where closed_on is null;
comment on table core.education_offering is
    'Utbildningstillfällen i området / education offerings, one row per intake, closed (not deleted) when delisted';
comment on column core.education_offering.last_seen_on is
    'Senaste veckoögonblicksbild som listade tillfället / the newest weekly snapshot that listed it';
comment on column core.education_offering.closed_on is
    'Första ögonblicksbild utan tillfället / the first snapshot without it (NULL while listed)';
comment on column core.education_offering.places is 'Antal platser; NULL när anordnaren inte anger det';
