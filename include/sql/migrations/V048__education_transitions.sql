-- From education to work: Skolverket's establishment statistics after upper secondary (UF0139),
-- per cohort, programme, county or municipality, owner type and years after the diploma.

create table core.upper_secondary_programme (
    programme_code    text primary key,
    programme_name    text not null unique,
    programme_type    text not null check (programme_type in ('yrkesprogram', 'hogskoleforberedande', 'aggregate')),
    sheet_aliases     text[] not null default '{}',
    sun_field_code    text references core.education_field,
    sun_field_source  text,
    -- a SUN field is only ever stated with the document it comes from
    check (sun_field_code is null or sun_field_source is not null)
);
comment on table core.upper_secondary_programme is
    'Gymnasieskolans program (Gy 2011) med Skolverkets programkod / upper-secondary programmes with Skolverket''s code';
comment on column core.upper_secondary_programme.programme_code is
    'Skolverkets programkod (BA, NA, ...); alla_* = projektets nycklar för summeringsflikar / '
    'Skolverket''s code; alla_* are the project''s keys for the exports'' aggregate sheets';
comment on column core.upper_secondary_programme.programme_type is
    'yrkesprogram, hogskoleforberedande eller aggregate (summering) / vocational, preparatory or an aggregate';
comment on column core.upper_secondary_programme.sheet_aliases is
    'Andra fliknamn i Skolverkets export som betyder programmet / other sheet names meaning this programme';
comment on column core.upper_secondary_programme.sun_field_code is
    'SUN 2020-inriktning programmet leder till; NULL: ingen bekräftad källa finns / '
    'SUN 2020 field the programme leads to; NULL while no confirmed source exists';
comment on column core.upper_secondary_programme.sun_field_source is
    'Källa för SUN-inriktningen / the document the SUN field comes from';

create unlogged table staging.education_transition (
    batch_id                  bigint not null,
    record_no                 integer not null,
    region_level              text,
    region_code               text,
    county_code               text,
    municipality_code         text,
    programme_sheet           text,
    programme_code            text,
    owner_type                text,
    cohort                    text,
    cohort_year               integer,
    years_after               integer,
    activity_year             integer,
    graduates                 integer,
    graduates_status          text,
    share_established         numeric,
    share_established_status  text,
    share_studying            numeric,
    share_studying_status     text,
    primary key (batch_id, record_no)
);

create table core.education_transition (
    cohort_year               smallint not null,
    programme_code            text not null references core.upper_secondary_programme,
    region_code               text not null check (region_code ~ '^[0-9]{2}([0-9]{2})?$'),
    owner_type                text not null check (owner_type in ('samtliga', 'kommunal', 'enskild', 'region')),
    years_after               smallint not null check (years_after in (1, 3, 5)),
    cohort                    text not null check (cohort ~ '^[0-9]{4}/[0-9]{2}$'),
    activity_year             smallint not null,
    region_level              text not null check (region_level in ('county', 'municipality')),
    county_code               char(2) not null references core.county,
    municipality_code         char(4) references core.municipality,
    graduates                 integer check (graduates >= 0),
    graduates_status          text check (graduates_status in ('missing', 'suppressed')),
    share_established         numeric(5, 1) check (share_established between 0 and 100),
    share_established_status  text check (share_established_status in ('missing', 'suppressed')),
    share_studying            numeric(5, 1) check (share_studying between 0 and 100),
    share_studying_status     text check (share_studying_status in ('missing', 'suppressed')),
    last_batch_id             bigint not null references audit.load_batch,
    primary key (cohort_year, programme_code, region_code, owner_type, years_after),
    -- a county row has no municipality; a municipality row names its own
    check ((region_level = 'county') = (municipality_code is null)),
    check (region_code = coalesce(municipality_code, county_code)),
    check (activity_year = cohort_year + years_after),
    -- a value and its reason for being absent are never both there, nor both missing
    check ((graduates is null) <> (graduates_status is null)),
    check ((share_established is null) <> (share_established_status is null)),
    check ((share_studying is null) <> (share_studying_status is null))
);
create index education_transition_programme on core.education_transition (programme_code, county_code);
comment on table core.education_transition is
    'Etablering på arbetsmarknaden och fortsatta studier efter gymnasieskolan (Skolverket, UF0139) per avgångskull, '
    'program, län eller kommun, huvudmannatyp och år efter examen / establishment and further studies after upper '
    'secondary per cohort, programme, county or municipality, owner type and years after the diploma';
comment on column core.education_transition.cohort_year is
    'Avgångsår: året kullen tog examen (vårterminen) / the year the cohort graduated (spring term)';
comment on column core.education_transition.cohort is
    'Avgångsläsår som Skolverket skriver det, t.ex. 2018/19 / the graduating school year as Skolverket writes it';
comment on column core.education_transition.years_after is 'År efter examen: 1, 3 eller 5 / years after the diploma';
comment on column core.education_transition.activity_year is
    'Året statusen mäts (avgångsår + år efter examen) / the year the status is measured (cohort year + years after)';
comment on column core.education_transition.region_level is
    'Nivå: county (län) eller municipality (kommun) / level: county or municipality';
comment on column core.education_transition.region_code is 'Läns- eller kommunkod / county or municipality code';
comment on column core.education_transition.owner_type is
    'Typ av huvudman: samtliga, kommunal, enskild, region / type of school owner';
comment on column core.education_transition.graduates is
    'Antal ungdomar i kullen; NULL med skäl i graduates_status / young people in the cohort';
comment on column core.education_transition.share_established is
    'Andel (%) etablerade på arbetsmarknaden; NULL med skäl i share_established_status / share established in work';
comment on column core.education_transition.share_established_status is
    'missing (.) eller suppressed (för få, ..) när andelen saknas / why the share is absent';
comment on column core.education_transition.share_studying is
    'Andel (%) i fortsatta studier; NULL med skäl i share_studying_status / share in further studies';
comment on column core.education_transition.share_studying_status is
    'missing (.) eller suppressed (för få, ..) när andelen saknas / why the share is absent';

-- The transitions mart: one row per cohort, programme, place, owner type and years after, with the
-- change since the previous cohort of the same programme and place.
create materialized view mart.education_transitions as
with transitions as (
    select
        t.*,
        p.programme_name,
        p.programme_type,
        lag(t.cohort_year) over w as previous_cohort_year,
        lag(t.share_established) over w as previous_share_established,
        lag(t.share_studying) over w as previous_share_studying
    from core.education_transition as t
    inner join core.upper_secondary_programme as p using (programme_code)
    window w as (partition by t.programme_code, t.region_code, t.owner_type, t.years_after order by t.cohort_year)
)

select
    cohort_year,
    cohort,
    years_after,
    activity_year,
    region_level,
    region_code,
    county_code,
    municipality_code,
    programme_code,
    programme_name,
    programme_type,
    owner_type,
    graduates,
    share_established,
    share_studying,
    (share_established + share_studying)::numeric(5, 1) as share_established_or_studying,
    share_established_status,
    share_studying_status,
    previous_cohort_year::smallint as previous_cohort_year,
    (share_established - previous_share_established)::numeric(5, 1) as trend_established_pp,
    (share_studying - previous_share_studying)::numeric(5, 1) as trend_studying_pp
from transitions
with no data;
create unique index education_transitions_grain
    on mart.education_transitions (cohort_year, programme_code, region_code, owner_type, years_after);
create index education_transitions_county on mart.education_transitions (county_code, years_after, cohort_year);

comment on materialized view mart.education_transitions is
    'Etablering och studier efter gymnasieskolan per avgångskull, program, län/kommun och huvudman, med trend / '
    'establishment and studies after upper secondary per cohort, programme, county or municipality and owner, with trend';
comment on column mart.education_transitions.cohort_year is 'Avgångsår / the year the cohort graduated';
comment on column mart.education_transitions.cohort is 'Avgångsläsår, t.ex. 2018/19 / graduating school year';
comment on column mart.education_transitions.years_after is 'År efter examen: 1, 3 eller 5 / years after the diploma';
comment on column mart.education_transitions.activity_year is
    'Året statusen mäts / the year the status is measured';
comment on column mart.education_transitions.region_level is
    'Nivå: county (län) eller municipality (kommun) / level: county or municipality';
comment on column mart.education_transitions.region_code is 'Läns- eller kommunkod / county or municipality code';
comment on column mart.education_transitions.county_code is 'Län / county';
comment on column mart.education_transitions.municipality_code is
    'Kommun; NULL på länsrader / municipality; NULL on county rows';
comment on column mart.education_transitions.programme_code is
    'Programkod (core.upper_secondary_programme) / programme code';
comment on column mart.education_transitions.programme_name is 'Programmets namn / programme name';
comment on column mart.education_transitions.programme_type is
    'yrkesprogram, hogskoleforberedande eller aggregate / vocational, preparatory or an aggregate';
comment on column mart.education_transitions.owner_type is
    'Typ av huvudman: samtliga, kommunal, enskild, region / type of school owner';
comment on column mart.education_transitions.graduates is 'Antal ungdomar i kullen / young people in the cohort';
comment on column mart.education_transitions.share_established is
    'Andel (%) etablerade på arbetsmarknaden; NULL när Skolverket saknar eller döljer den / '
    'share established in work; NULL when Skolverket has none or suppresses it';
comment on column mart.education_transitions.share_studying is
    'Andel (%) i fortsatta studier; NULL när den saknas eller döljs / share in further studies';
comment on column mart.education_transitions.share_established_or_studying is
    'Andel (%) etablerade eller studerande / share established or studying';
comment on column mart.education_transitions.share_established_status is
    'missing eller suppressed när andelen saknas / why the share is absent';
comment on column mart.education_transitions.share_studying_status is
    'missing eller suppressed när andelen saknas / why the share is absent';
comment on column mart.education_transitions.previous_cohort_year is
    'Närmast föregående kull med uppgift / the previous cohort with a row';
comment on column mart.education_transitions.trend_established_pp is
    'Förändring i procentenheter mot föregående kull / change in percentage points since the previous cohort';
comment on column mart.education_transitions.trend_studying_pp is
    'Förändring i procentenheter mot föregående kull / change in percentage points since the previous cohort';
