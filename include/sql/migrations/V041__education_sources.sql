-- The real education sources: Skolverket's Planned Educations API (every school form; no SUN code,
-- no places, continuous intakes without a start date) and MYH's application-round results (YH
-- programmes with SUN field and granted places, possibly given in several municipalities).

-- Skolverket names providers without an organisation number.
do $$
declare
    name text;
begin
    select conname into name
    from pg_constraint
    where conrelid = 'core.education_provider'::regclass and contype = 'u';
    execute format('alter table core.education_provider drop constraint %I', name);
end
$$;
alter table core.education_provider alter column organisation_number drop not null;
alter table core.education_provider
    add constraint education_provider_identity unique nulls not distinct
    (organisation_number, provider_name, municipality_code);
comment on column core.education_provider.organisation_number is
    'Organisationsnummer; NULL när källan inte anger det (Skolverket, MYH) / NULL when the source gives none';

alter table staging.education_offering
    add column source text,
    add column start_semester text,
    add column application_deadline date,
    add column type_of_school text,
    add column municipality_codes text,
    add column unmapped_municipalities text;

alter table core.education_offering
    alter column sun_field_code drop not null,
    alter column education_level drop not null,
    alter column start_date drop not null,
    alter column is_distance drop not null,
    add column source text not null default 'skolverket' check (source in ('skolverket', 'myh')),
    add column start_semester text check (start_semester ~ '^(HT|VT)[0-9]{4}$'),
    add column application_deadline date,
    add column type_of_school text,
    add column same_as_offering_id text references core.education_offering;
alter table core.education_offering alter column source drop default;
create index education_offering_same_as on core.education_offering (same_as_offering_id)
where same_as_offering_id is not null;

comment on column core.education_offering.source is
    'skolverket: Planerade utbildningar (API v3); myh: MYH:s resultat per ansökningsomgång / '
    'skolverket: Planned Educations API v3; myh: MYH''s application-round results';
comment on column core.education_offering.sun_field_code is
    'SUN 2020-inriktning; bara MYH anger den (SUN5 utan MYH:s bokstav), Skolverket aldrig: NULL, aldrig gissad / '
    'SUN 2020 field; only MYH gives it (SUN5 without MYH''s letter), Skolverket never: NULL, never guessed';
comment on column core.education_offering.education_level is
    'SUN 2020-nivå; NULL när källan inte anger den / SUN 2020 level; NULL when the source gives none';
comment on column core.education_offering.start_date is
    'Startdatum; NULL vid löpande antagning. MYH: 1 januari året efter omgången (första starterna), '
    'start_semester tom / start date; NULL for continuous intakes. MYH: 1 January of the year after the '
    'round (its first intakes)';
comment on column core.education_offering.start_semester is
    'Starttermin (HT2026, VT2027) när bara terminen anges / start semester when only that is given';
comment on column core.education_offering.places is
    'Antal platser: MYH:s beviljade platser för hela ansökan, en gång per utbildning (aldrig per kommun); '
    'Skolverket anger inga: NULL / places: MYH''s granted places for the whole application, once per '
    'programme (never per municipality); Skolverket gives none: NULL';
comment on column core.education_offering.application_deadline is
    'Sista ansökningsdag; NULL när ingen finns (Skolverkets 2099-12-31) / last application day; '
    'NULL when there is none (Skolverket''s 2099-12-31)';
comment on column core.education_offering.type_of_school is
    'Källans skolform (Skolverkets typeOfSchool) / the source''s school form';
comment on column core.education_offering.same_as_offering_id is
    'Samma utbildning i den andra källan: ett YH-tillfälle hos Skolverket pekar på MYH:s utbildning '
    '(regel i docs/upstreams/myh.md) / the same education in the other source: a Skolverket YH event '
    'points to the MYH programme (rule in docs/upstreams/myh.md)';

-- Where an MYH programme is given: one row per municipality, places stay on the programme.
create table core.education_offering_municipality (
    offering_id        text not null references core.education_offering on delete cascade,
    municipality_code  char(4) not null references core.municipality,
    primary key (offering_id, municipality_code)
);
comment on table core.education_offering_municipality is
    'Kommuner där en utbildning ges (MYH: Tabell 3, eller Tabell 4 vid Flera kommuner) / '
    'municipalities where an offering is given (MYH: Tabell 3, or Tabell 4 for several municipalities)';

-- The education supply mart: each education once (a Skolverket YH event that is an MYH programme
-- counts as the programme), its places shared equally by the municipalities it is given in.
drop materialized view mart.education_supply;
create materialized view mart.education_supply as
with offered as (
    select
        o.offering_id,
        coalesce(
            extract(year from o.start_date)::smallint, substr(o.start_semester, 3)::smallint
        ) as year,
        o.sun_field_code,
        o.education_level,
        o.places,
        p.provider_type,
        o.source
    from core.education_offering as o
    inner join core.education_provider as p on p.provider_id = o.provider_id
    -- an intake delisted before it started was withdrawn, not offered
    where (o.closed_on is null or o.start_date is null or o.closed_on > o.start_date)
      and o.same_as_offering_id is null
),

placed as (
    select
        f.*,
        coalesce(om.municipality_code, o.municipality_code) as municipality_code,
        count(*) over (partition by f.offering_id) as municipalities
    from offered as f
    inner join core.education_offering as o on o.offering_id = f.offering_id
    left join core.education_offering_municipality as om on om.offering_id = f.offering_id
)

select
    pl.year,
    m.county_code,
    pl.municipality_code,
    pl.sun_field_code as sun_field,
    pl.education_level,
    pl.provider_type,
    count(*)::integer as offerings,
    coalesce(round(sum(pl.places::numeric / pl.municipalities)), 0)::integer as places,
    count(*) filter (where pl.sun_field_code is not null)::integer as offerings_with_sun,
    count(*) filter (where pl.places is not null)::integer as offerings_with_places
from placed as pl
inner join core.municipality as m on m.municipality_code = pl.municipality_code
group by 1, 2, 3, 4, 5, 6
with no data;
create unique index education_supply_grain
    on mart.education_supply (county_code, year, sun_field, education_level, provider_type, municipality_code)
    nulls not distinct;

comment on materialized view mart.education_supply is
    'Utbildningsutbud per startår, kommun, inriktning, nivå och typ av anordnare; varje utbildning en gång / '
    'education supply per year of start, municipality, field, level and kind of provider; each education once';
comment on column mart.education_supply.year is
    'Startår (startdatum, annars startterminen; NULL vid löpande antagning) / year of start (date, else '
    'semester; NULL for continuous intakes)';
comment on column mart.education_supply.county_code is 'Län / county';
comment on column mart.education_supply.municipality_code is 'Kommun där utbildningen ges / municipality where it is given';
comment on column mart.education_supply.sun_field is
    'Utbildningsinriktning SUN 2020; bara MYH:s YH-utbildningar har den, övriga NULL / education field, '
    'SUN 2020; only MYH''s YH programmes have it, the rest NULL';
comment on column mart.education_supply.education_level is
    'Utbildningsnivå SUN 2020; NULL där källan saknar den / education level, SUN 2020; NULL where unknown';
comment on column mart.education_supply.provider_type is
    'Typ av anordnare (gymnasieskola, komvux, yrkeshögskola, folkhögskola, universitet) / kind of provider';
comment on column mart.education_supply.offerings is
    'Antal utbildningstillfällen (ej återkallade före start) / intakes offered (not withdrawn before they start)';
comment on column mart.education_supply.places is
    'Platser där källan anger dem (bara MYH), delade lika mellan utbildningens kommuner; 0 betyder okänt '
    'lika väl som inga: läs offerings_with_places / places where a source gives them (MYH only), shared '
    'equally by the programme''s municipalities; 0 means unknown as much as none: read offerings_with_places';
comment on column mart.education_supply.offerings_with_sun is
    'Tillfällen med SUN-inriktning. Skolverket anger varken SUN eller platser: andelen utan båda är '
    '1 - offerings_with_sun / offerings, i praktiken alla utom YH / offerings with a SUN field. Skolverket '
    'gives neither SUN nor places: the share with neither is 1 - offerings_with_sun / offerings, in '
    'practice everything but YH';
comment on column mart.education_supply.offerings_with_places is
    'Tillfällen med antal platser (MYH:s beviljade platser) / offerings with a number of places (MYH''s granted places)';
