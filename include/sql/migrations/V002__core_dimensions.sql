-- Conformed dimensions. Loaded from include/reference by `vagled warehouse migrate`.

create table core.county (
    county_code   char(2) primary key check (county_code ~ '^[0-9]{2}$'),
    county_name   text not null,
    in_area       boolean not null default false
);
comment on table core.county is 'Län / Swedish counties; in_area marks the platform''s counties';

create table core.municipality (
    municipality_code  char(4) primary key check (municipality_code ~ '^[0-9]{4}$'),
    municipality_name  text not null,
    county_code        char(2) not null references core.county,
    in_area            boolean not null default false,
    -- retired codes stay so that facts referring to them keep their dimension row
    retired_at         date
);
create index municipality_county on core.municipality (county_code);
comment on table core.municipality is 'Kommuner / Swedish municipalities (4-digit SCB codes)';

create table core.occupation (
    ssyk_code     varchar(4) primary key check (ssyk_code ~ '^[0-9]{1,4}$'),
    ssyk_level    smallint not null check (ssyk_level between 1 and 4),
    label_sv      text not null,
    parent_code   varchar(4) references core.occupation,
    concept_id    text unique,
    retired_at    date,
    check (length(ssyk_code) = ssyk_level),
    check ((ssyk_level = 1) = (parent_code is null))
);
create index occupation_parent on core.occupation (parent_code);
comment on table core.occupation is 'Yrken enligt SSYK 2012, nivå 1-4 / occupations, SSYK 2012 levels 1-4';

create table core.education_field (
    sun_field_code  text primary key,
    sun_level       smallint not null check (sun_level between 1 and 4),
    label_sv        text not null,
    parent_code     text references core.education_field
);
create index education_field_parent on core.education_field (parent_code);
comment on table core.education_field is 'Utbildningsinriktning SUN 2020 / education fields, SUN 2020';

create table core.education_level (
    sun_level_code  text primary key,
    label_sv        text not null,
    isced_2011      text
);
comment on table core.education_level is 'Utbildningsnivå SUN 2020 / education levels, SUN 2020';

create table core.month (
    month          date primary key check (extract(day from month) = 1),
    year           smallint not null,
    month_of_year  smallint not null check (month_of_year between 1 and 12),
    quarter        smallint not null check (quarter between 1 and 4),
    label          text not null
);
comment on table core.month is 'Månader / calendar months, first day of each month';

insert into core.month (month, year, month_of_year, quarter, label)
select m::date,
       extract(year from m)::smallint,
       extract(month from m)::smallint,
       extract(quarter from m)::smallint,
       to_char(m, 'YYYY-MM')
from generate_series(date '2010-01-01', date '2040-12-01', interval '1 month') as m;
